"""Hostile clients against ``kemi-graph serve`` and, where the attack applies, Oxigraph's own
server on the same store, side by side. A benchmark, not a test: the figures depend on the
machine. docs/web.md keeps the last figures.

    python scripts/hostile_load.py DIST            # DIST: a built dist folder (kemi-graph build)
    python scripts/hostile_load.py DIST --only slow,expensive --servers ours

Loopback only. Every loop is bounded in count and in time, and the script stops both servers
itself. It needs the oxigraph CLI (``pip install oxigraph``) for the comparison and wrk
(Debian: ``apt-get install wrk``) for the mixed load.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
CHEAP = "ASK {}"
CROSS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CROSS_SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 10"
# Each BIND doubles the string: 2^28 characters from a 1.3 KB query.
DOUBLING = "SELECT (STRLEN(?s28) AS ?n) WHERE { BIND(\"xxxxxxxx\" AS ?s0) " + " ".join(
    f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(28)
) + " }"
# Rows of 64 KiB strings: 10,000 of them (the default row limit) make 640 MiB.
HUGE_ANSWER = "SELECT ?x WHERE { ?s ?p ?o BIND(\"xxxxxxxx\" AS ?s0) " + " ".join(
    f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(13)
) + " BIND(?s13 AS ?x) } LIMIT 10000"
LARGE_ANSWER = "CONSTRUCT WHERE { ?s ?p ?o }"
DEEP = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000


@dataclass
class Server:
    name: str
    root: str
    process: subprocess.Popen[bytes]

    @property
    def endpoint(self) -> str:
        return self.root + "/sparql" if self.name == "ours" else self.root + "/query"

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.root)
        return parts.hostname or "127.0.0.1", parts.port or 80

    def pids(self) -> list[int]:
        """The server's process tree (workers, evaluators), from /proc."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        tree, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    def rss(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(match.group(1)) * 1024 if match else 0
        return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(server.endpoint, params={"query": CHEAP}, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{server.name} did not start")


@contextmanager
def running(name: str, dist: Path, log_dir: Path) -> Iterator[Server]:
    port = free_port()
    log = (log_dir / f"{name}.log").open("wb")
    if name == "ours":
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEMI_GRAPH_")}
        env["KEMI_GRAPH_DIST_DIR"] = str(dist)
        command = [sys.executable, "-m", "kemi_graph.web.serve", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    else:
        oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        command = [oxigraph, "serve-read-only", "--location", str(dist / "store"), "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = Server(name, f"http://127.0.0.1:{port}", process)
    try:
        wait_until_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def probe(server: Server, timeout: float = 10.0, query: str = CHEAP) -> float | None:
    """Seconds for one cheap GET query to be answered, or None (timed out or refused)."""
    started = time.monotonic()
    try:
        response = requests.get(server.endpoint, params={"query": query}, timeout=timeout)
    except requests.RequestException:
        return None
    return time.monotonic() - started if response.ok else None


def probes(server: Server, count: int = 5, timeout: float = 10.0) -> list[float | None]:
    results = []
    for _ in range(count):
        results.append(probe(server, timeout))
        time.sleep(0.2)
    return results


def describe(times: list[float | None], within: float) -> str:
    done = [t for t in times if t is not None and t < within]
    shown = ", ".join("-" if t is None else f"{t:.2f}" for t in times)
    return f"{len(done)}/{len(times)} under {within:g} s [{shown}]"


def connect(server: Server) -> socket.socket:
    sock = socket.create_connection(server.address, timeout=5)
    return sock


# -- attacks ---------------------------------------------------------------------------------


def slow_clients(server: Server, seconds: float) -> str:
    """48 POST bodies stalled after 6 of 1,000 bytes and 32 header blocks stalled halfway."""
    host = "%s:%d" % server.address
    path = urlsplit(server.endpoint).path
    held: list[socket.socket] = []
    try:
        for _ in range(48):
            sock = connect(server)
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
                f"Content-Length: 1000\r\n\r\nSELECT".encode()
            )
            held.append(sock)
        for _ in range(32):
            sock = connect(server)
            sock.sendall(f"GET {path}?query=ASK%20%7B%7D HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())
            held.append(sock)
        time.sleep(1)
        first = probes(server, 5, timeout=5)
        time.sleep(max(0.0, seconds - 2))
        later = probes(server, 5, timeout=5)
    finally:
        for sock in held:
            sock.close()
    return f"probes at once: {describe(first, 2)}; after {seconds:g} s: {describe(later, 2)}"


def slow_readers(server: Server, seconds: float) -> str:
    """8 clients ask for a large answer and never read it."""
    host = "%s:%d" % server.address
    path = urlsplit(server.endpoint).path
    held = []
    try:
        for _ in range(8):
            sock = connect(server)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(
                f"GET {path}?query={quote(LARGE_ANSWER)} HTTP/1.1\r\nHost: {host}\r\nAccept: application/n-triples\r\n\r\n".encode()
            )
            held.append(sock)
        time.sleep(min(seconds, 3))
        results = probes(server, 5, timeout=5)
    finally:
        for sock in held:
            sock.close()
    return f"probes: {describe(results, 2)}"


def expensive_loop(server: Server, seconds: float, clients: int = 12) -> str:
    """``clients`` loop the triple cross-product COUNT; a probe asks the cheap query meanwhile."""
    stop = time.monotonic() + seconds
    statuses: Counter[str] = Counter()
    durations: list[float] = []
    lock = threading.Lock()

    def attacker() -> None:
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status = str(requests.get(server.endpoint, params={"query": CROSS_COUNT}, timeout=60).status_code)
            except requests.RequestException as error:
                status = type(error).__name__
            with lock:
                statuses[status] += 1
                durations.append(time.monotonic() - started)

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    cheap: list[float | None] = []
    while time.monotonic() < stop:
        cheap.append(probe(server, timeout=20))
        time.sleep(0.2)
    for thread in threads:
        thread.join(70)
    answered = sorted(t for t in cheap if t is not None)
    p95 = answered[max(0, int(len(answered) * 0.95) - 1)] if answered else float("nan")
    return (
        f"cheap probes: {len(answered)}/{len(cheap)} answered, median {statistics.median(answered) if answered else float('nan'):.3f} s, "
        f"p95 {p95:.3f} s, max {max(answered) if answered else float('nan'):.3f} s; "
        f"expensive: {dict(statuses)}, longest {max(durations) if durations else 0:.1f} s end to end"
    )


def concurrent_sorts(server: Server, seconds: float) -> str:
    """8 concurrent sorts of a cross product; the server's process tree's memory sampled."""
    peak = server.rss()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss())
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def one() -> str:
        try:
            return str(requests.get(server.endpoint, params={"query": CROSS_SORT}, timeout=seconds + 30).status_code)
        except requests.RequestException as error:
            return type(error).__name__

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = Counter(pool.map(lambda _: one(), range(8)))
    done.set()
    sampler.join()
    return f"statuses {dict(statuses)}; peak memory of the process tree {peak / 2**30:.2f} GiB"


def big_answers(server: Server, seconds: float) -> str:
    """A string-doubling query and a 1.3 KB query with a huge answer (TSV, JSON)."""
    results = []
    for label, query, accept in (
        ("doubling", DOUBLING, "application/sparql-results+json"),
        ("huge TSV", HUGE_ANSWER, "text/tab-separated-values"),
        ("huge JSON", HUGE_ANSWER, "application/sparql-results+json"),
    ):
        peak = server.rss()
        started = time.monotonic()
        try:
            response = requests.post(server.endpoint, data={"query": query}, headers={"Accept": accept}, timeout=120, stream=True)
            size = sum(len(chunk) for chunk in response.iter_content(1 << 20))
            outcome = f"{response.status_code}, {size / 2**20:.1f} MiB"
        except requests.RequestException as error:
            outcome = type(error).__name__
        peak = max(peak, server.rss())
        results.append(f"{label}: {outcome} in {time.monotonic() - started:.1f} s (tree after: {peak / 2**30:.2f} GiB)")
    return "; ".join(results)


def long_request_line(server: Server, seconds: float) -> str:
    """A GET whose path is 10 MiB long."""
    sock = connect(server)
    sock.settimeout(30)
    started = time.monotonic()
    status = "no answer"
    try:
        sock.sendall(b"GET /" + b"a" * (10 * 2**20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    except OSError:
        pass  # the server may close before reading it all; its answer is still there
    try:
        status = sock.recv(64).split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    except OSError as error:
        status = type(error).__name__
    finally:
        sock.close()
    return f"{status!r} after {time.monotonic() - started:.2f} s"


def deep_nesting(server: Server, seconds: float) -> str:
    started = time.monotonic()
    try:
        response = requests.post(server.endpoint, data={"query": DEEP}, timeout=30)
        outcome = f"{response.status_code} {response.text[:90]!r}"
    except requests.RequestException as error:
        outcome = type(error).__name__
    alive = probe(server, timeout=5) is not None
    return f"{outcome} after {time.monotonic() - started:.2f} s; server answers afterwards: {alive}"


def mixed_load(server: Server, seconds: float) -> str:
    """wrk, 200 connections over a mix of cheap queries and pages (ours) or queries (Oxigraph)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return "skipped: wrk is not installed (apt-get install wrk)"
    paths = [f"/sparql?query={quote(q)}" for q in (CHEAP, "SELECT * WHERE { ?s ?p ?o } LIMIT 10")]
    if server.name == "ours":
        paths += ["/", "/ontology", "/queries", "/sdg/3"]
    else:
        paths = [p.replace("/sparql", "/query") for p in paths]
    for path in paths * 4:  # steady state: each worker has rendered and cached each answer once
        requests.get(server.root + path, timeout=60)
    lua = Path(tempfile.mkstemp(suffix=".lua")[1])
    lua.write_text(
        "local paths = {" + ", ".join(f'"{p}"' for p in paths) + "}\n"
        "local i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    try:
        out = subprocess.run(
            [wrk, "-t2", "-c200", f"-d{int(seconds)}s", "--latency", "--timeout", "10s", "-s", str(lua), server.root],
            capture_output=True, text=True, timeout=seconds + 60,
        ).stdout
    finally:
        lua.unlink()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (
        f"{rate.group(1) if rate else '?'} req/s, p99 {p99.group(1) if p99 else '?'}, "
        f"socket errors: {errors.group(1) if errors else 'none'}, non-2xx: {non2xx.group(1) if non2xx else 0}"
    )


ATTACKS: dict[str, tuple[Callable[[Server, float], str], bool]] = {
    # name: (attack, applies to Oxigraph's server too)
    "slow": (slow_clients, True),
    "readers": (slow_readers, True),
    "expensive": (expensive_loop, True),
    "sorts": (concurrent_sorts, True),
    "answers": (big_answers, True),
    "line": (long_request_line, True),
    "deep": (deep_nesting, True),
    "mixed": (mixed_load, True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dist", type=Path, help="a built dist folder")
    parser.add_argument("--only", default=",".join(ATTACKS), help="comma-separated attacks: " + ", ".join(ATTACKS))
    parser.add_argument("--servers", default="ours,oxigraph", help="ours, oxigraph or both")
    parser.add_argument("--seconds", type=float, default=20, help="length of the timed attacks")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(ATTACKS)
    if unknown:
        parser.error(f"unknown attack(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as logs:
        for attack in chosen:
            function, both = ATTACKS[attack]
            for name in [s.strip() for s in args.servers.split(",")]:
                if name != "ours" and not both:
                    continue
                # A fresh server for each attack, so one attack's damage does not colour the next.
                with running(name, args.dist.resolve(), Path(logs)) as server:
                    print(f"{attack:>9} {name:>8}: {function(server, args.seconds)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
