"""Helpers shared by the many-municipality tests: the example municipality imported once per session."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "esimerkkila"
CSV_2023 = EXAMPLES / "esimerkkila-2023.csv"
XLSX_2024 = EXAMPLES / "esimerkkila-2024.xlsx"
NAME, CODE = "Esimerkkilä", "999"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_oxigraph(folder: Path, timeout: float = 30.0) -> tuple[subprocess.Popen[bytes], str]:
    """``oxigraph serve`` on a free loopback port; returns the process and its base URL."""
    port = free_port()
    log = (folder / f"oxigraph-{port}.log").open("wb")
    process = subprocess.Popen(
        ["oxigraph", "serve", "--location", str(folder / f"oxigraph-{port}"), "--bind", f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url + "/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return process, url
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"oxigraph serve did not start: {(folder / f'oxigraph-{port}.log').read_text(errors='replace')}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
