"""Shared fixtures: a clean environment, settings, an app over a given store, and a live server.

The ladder: ``settings`` (on ``tmp_path``) → ``make_app`` (a Flask app over a store you give)
→ ``client``; ``live_server`` starts the real thing (gunicorn, ``python -m kemi_graph.web.serve``)
on 127.0.0.1 with a free port and stops it afterwards.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests

from kemi_graph.config import ENV_PREFIX, Settings

REPO = Path(__file__).resolve().parents[1]


def shared_conformance_dir() -> Path:
    """The W3C test data: ``$KEMI_GRAPH_SHARED_DIR/conformance`` or ``../shared/conformance``."""
    shared = os.environ.get(ENV_PREFIX + "SHARED_DIR")
    return (Path(shared) if shared else REPO.parent / "shared") / "conformance"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's KEMI_GRAPH_* variables must not leak into tests (the shared-dir pointer stays)."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX) and name != ENV_PREFIX + "SHARED_DIR":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose ``dist_dir`` holds a complete build of the project's graph (built once per session)."""
    from kemi_graph.pipeline import run

    built = Settings(dist_dir=tmp_path_factory.mktemp("built") / "dist")
    run.build(built, log=lambda line: None)
    return built


@pytest.fixture(scope="module")
def built_app(built_settings: Settings) -> Iterator[Any]:
    """The web app over the session's build (one per test module); its evaluators stop afterwards."""
    from kemi_graph.web.app import create_app

    application = create_app(built_settings)
    application.testing = True
    yield application
    application.extensions["kemi_graph"].close()


@pytest.fixture(scope="module")
def app(built_app: Any) -> Any:
    return built_app


@pytest.fixture
def client(built_app: Any) -> Any:
    """A test client of the app over the session's build."""
    return built_app.test_client()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(dist_dir=tmp_path / "dist")


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., Any]]:
    """``make_app(store, **setting_changes)``: a Flask app over ``store`` (``None``: the built store
    of ``over``'s dist folder); its evaluators stop at teardown."""
    from kemi_graph.web.app import create_app

    apps: list[Any] = []

    def make(store: ox.Store | None, over: Settings | None = None, **changes: Any) -> Any:
        app = create_app((over or settings).replace(**changes), store)
        app.testing = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["kemi_graph"].close()


@dataclass
class LiveServer:
    """A running ``kemi-graph serve``; ``url`` is its root, ``endpoint`` the SPARQL endpoint."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"

    @property
    def host_port(self) -> str:
        return self.url.split("://", 1)[1]


def start_server(folder: Path, data: list[str] | None = None, timeout: float = 30.0, **changes: Any) -> LiveServer:
    """Start ``python -m kemi_graph.web.serve`` on 127.0.0.1 and a free port; wait until it answers.

    Settings are passed as ``KEMI_GRAPH_*`` variables (``port`` as ``--port``: see
    :func:`free_port`), ``data`` as ``--data`` options; without ``data`` it serves the built
    store in ``dist_dir``. The log goes to a file in ``folder``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    changes.setdefault("dist_dir", folder / "dist")
    port = changes.pop("port", 0)
    for name, value in changes.items():
        if isinstance(value, (tuple, list)):
            value = " ".join(value)
        env[ENV_PREFIX + name.upper()] = str(value)
    log = folder / f"server-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "kemi_graph.web.serve", "--host", "127.0.0.1", "--port", str(port)]
    for spec in data or []:
        command += ["--data", spec]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    deadline = time.monotonic() + timeout
    url = None
    while url is None:
        match = re.search(r"Listening at: (http://\S+)", log.read_text(errors="replace"))
        if match:
            url = match.group(1)
        elif process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the server did not start:\n{log.read_text(errors='replace')}")
        else:
            time.sleep(0.05)
    server = LiveServer(url, process, log)
    while True:
        try:
            if requests.get(server.endpoint, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            pytest.fail(f"the server did not answer:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)


def free_port() -> int:
    """A loopback port free right now, for a server that must know its address before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``live_server(data=[FILE[=GRAPH], ...], **settings)``: a running server, stopped at teardown.

    See :func:`start_server`; several servers may run at once.
    """
    servers: list[LiveServer] = []

    def start(data: list[str] | None = None, timeout: float = 30.0, **changes: Any) -> LiveServer:
        server = start_server(tmp_path, data, timeout, **changes)
        servers.append(server)
        return server

    yield start
    for server in servers:
        stop_server(server)


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    path = shared_conformance_dir()
    if not (path / "sparql11-protocol" / "manifest.ttl").is_file():
        pytest.skip(f"W3C conformance data not found in {path} (set KEMI_GRAPH_SHARED_DIR to the 'shared' folder)")
    return path


@pytest.fixture(scope="session")
def protocol_data_specs(conformance_dir: Path) -> list[str]:
    """The protocol tests' data as ``--data`` specs: ``dataN.nt`` into graph ``.../dataN.rdf`` (SOURCES.md)."""
    folder = conformance_dir / "sparql11-protocol"
    return [f"{folder / f'data{n}.nt'}=http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)]


@pytest.fixture(scope="session")
def imported_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A built dist holding Kemi and the invented example municipality Esimerkkilä, imported from
    its 2023 CSV and its 2024 XLSX with ``kemi-graph import`` (built once per session)."""
    from kemi_graph.importers.municipalities import import_table

    examples = REPO / "examples" / "esimerkkila"
    built = Settings(dist_dir=tmp_path_factory.mktemp("imported") / "dist")
    for name in ("esimerkkila-2023.csv", "esimerkkila-2024.xlsx"):
        import_table(built, examples / name, name="Esimerkkilä", code="999", log=lambda line: None)
    return built
