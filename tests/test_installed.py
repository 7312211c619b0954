"""The installed ``kemi-graph`` command, run as the README's Quick start runs it.

One server for the module: ``kemi-graph serve`` started from an empty temporary working
directory with default settings (only the port is a free one), so it builds into the relative
default ``dist`` folder first. Everything a user reaches from there must work: every download,
a SPARQL query, a page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import requests

from kemi_graph.config import ENV_PREFIX
from conftest import free_port

COMMAND = Path(sys.executable).parent / "kemi-graph"
START_SECONDS = 180.0  # it builds first; a loaded machine is slow


@dataclass
class Installed:
    url: str
    cwd: Path


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href" and value]


def _links(html: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return [urljoin(base, href) for href in parser.hrefs]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    if not COMMAND.is_file():
        pytest.skip(f"the kemi-graph command is not installed beside {sys.executable} (pip install '.[test]')")
    cwd = tmp_path_factory.mktemp("quick-start")
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    port = free_port()
    log = cwd.parent / f"{cwd.name}.log"  # outside the working directory, which stays as a user's would be
    with log.open("wb") as sink:
        process = subprocess.Popen([str(COMMAND), "serve", "--port", str(port)], cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            requests.get(url + "/", timeout=5)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                pytest.fail(f"kemi-graph serve did not answer on {url}:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
    yield Installed(url, cwd)
    _stop(process)


def test_serve_builds_into_the_working_directory(installed: Installed) -> None:
    assert (installed.cwd / "dist" / "build-info.json").is_file()


def test_every_listed_download_answers_the_files_bytes(installed: Installed) -> None:
    page = requests.get(installed.url + "/downloads/", timeout=30)
    assert page.status_code == 200
    downloads = sorted({link for link in _links(page.text, page.url) if urlsplit(link).path.startswith("/downloads/") and urlsplit(link).path != "/downloads/"})
    assert any(link.endswith("/SHA256SUMS") for link in downloads) and len(downloads) > 5
    for link in downloads:
        name = unquote(urlsplit(link).path[len("/downloads/"):])
        answer = requests.get(link, timeout=30)
        assert answer.status_code == 200, f"{link}: {answer.status_code} {answer.text[:200]}"
        assert answer.content == (installed.cwd / "dist" / name).read_bytes(), link


def test_a_sparql_query_and_a_page_answer(installed: Installed) -> None:
    answer = requests.get(
        installed.url + "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) > 1000
    landing = requests.get(installed.url + "/", timeout=30)
    resource = next(link for link in _links(landing.text, landing.url) if urlsplit(link).path.startswith("/id/"))
    page = requests.get(resource, timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert '<link rel="canonical" href="https://w3id.org/kemi-graph/id/' in page.text
