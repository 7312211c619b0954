"""``kemi-graph serve``: the app under gunicorn, over the built store or over given RDF files.

``run(settings, data)`` is what the CLI calls. ``python -m kemi_graph.web.serve`` does the same
with settings from ``KEMI_GRAPH_*`` variables and a few options (used by the tests' live server).

Design: the app is created once in gunicorn's master process and inherited by the
``settings.workers`` workers. Each worker runs :class:`~kemi_graph.web.worker.BufferedWorker`:
waitress reads whole requests and sends whole answers on its event loop, ``settings.threads``
request threads run the app, and ``settings.evaluators`` query evaluator processes per worker
(kemi_graph.web.evaluator) run the queries, behind a bounded queue. Cached answers, pages,
static files and the service description need no evaluator, so they never wait behind
queries. Each worker serves the newest build (kemi_graph.web.live). docs/web.md has the why.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from gunicorn.app.base import BaseApplication

from kemi_graph.config import Settings
from kemi_graph.errors import InputError, KemiGraphError
from kemi_graph.formats import for_rdf_file

_GRAPH_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# gunicorn replaces a worker whose event loop has not reported for this long: it reports every
# half second however busy its request threads are.
WORKER_SILENCE_SECONDS = 30


def parse_data_spec(spec: str) -> tuple[Path, str | None]:
    """``FILE`` or ``FILE=GRAPH_IRI``. A FILE that exists as given wins, so '=' may occur in names."""
    if Path(spec).is_file() or "=" not in spec:
        return Path(spec), None
    path, _, graph = spec.partition("=")
    if not _GRAPH_IRI.match(graph):
        raise InputError(f"--data {spec!r}: {graph!r} is not an absolute graph IRI")
    return Path(path), graph


def load_data(specs: Sequence[str]) -> ox.Store:
    """An in-memory store holding the given files; the error names the file at fault."""
    store = ox.Store()
    for spec in specs:
        path, graph = parse_data_spec(spec)
        if not path.is_file():
            raise InputError(f"--data {spec!r}: {path} is not a file")
        fmt = for_rdf_file(path.name)
        if fmt is None:
            raise InputError(
                f"{path}: unknown RDF format; use a .ttl, .nt, .nq, .trig, .jsonld or .rdf file"
            )
        if graph is not None and fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            # JSON-LD may carry graphs too, but is mostly used for triples: its default graph goes to GRAPH_IRI.
            raise InputError(f"{path}: {fmt.name} names its own graphs; a graph IRI can only be given for a triples file")
        try:
            store.load(
                path=str(path),
                format=fmt,
                base_iri=path.resolve().as_uri(),
                to_graph=ox.NamedNode(graph) if graph else None,
            )
        except (SyntaxError, ValueError) as error:
            raise InputError(f"{path}: not valid {fmt.name}: {error}") from error
        except OSError as error:
            raise InputError(f"{path}: cannot be read: {error}") from error
    return store


def data_version(specs: Sequence[str]) -> str:
    """The version of the data given to ``--data``: a SHA-256 over each file's bytes and graph IRI, in order.

    Any change to a file, to the graph it goes into or to the order of the files changes it (and
    so every ETag). Call it after :func:`load_data`, which has checked that the files exist.
    """
    digest = hashlib.sha256()
    for spec in specs:
        path, graph = parse_data_spec(spec)
        file_digest = hashlib.sha256()
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                file_digest.update(chunk)
        digest.update(file_digest.digest())
        digest.update((graph or "").encode("utf-8") + b"\n")
    return digest.hexdigest()


class _Server(BaseApplication):  # type: ignore[misc]
    """gunicorn run from Python with our options, over an app built in the master."""

    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    def post_worker_init(worker: Any) -> None:
        worker.wsgi.extensions["kemi_graph"].start(close_in_evaluators=[sock.fileno() for sock in worker.sockets])

    def worker_exit(server: Any, worker: Any) -> None:
        worker.wsgi.extensions["kemi_graph"].close()
        # The store's native threads may abort the interpreter's own shutdown (std::system_error,
        # SIGABRT); everything this process owned is closed by now, so leave without it.
        logging.shutdown()
        os._exit(0)

    return {
        "bind": [f"{settings.host}:{settings.port}"],
        "workers": settings.workers,
        "worker_class": "kemi_graph.web.worker.BufferedWorker",
        "timeout": WORKER_SILENCE_SECONDS,
        "graceful_timeout": 10,
        "preload_app": True,
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
        # One gunicorn control socket per user is shared by every instance; none is needed here.
        "control_socket_disable": True,
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "kemi-graph",
    }


def run(settings: Settings, data: list[str] | None = None) -> None:
    """Serve the built store (or the ``data`` files) on ``settings.host:settings.port`` until stopped."""
    from kemi_graph.web.app import create_app  # Flask is imported only when serving

    if data:
        app = create_app(settings, load_data(data), dataset_version=data_version(data))
    else:
        # Each worker and each evaluator opens its own read-only handle of the built store.
        app = create_app(settings)
    _Server(app, gunicorn_options(settings)).run()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kemi_graph.web.serve",
        description="Serve the SPARQL endpoint; other settings come from KEMI_GRAPH_* variables.",
    )
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, help="port (0: any free port, see the 'Listening at' log line)")
    parser.add_argument("--workers", type=int, help="worker processes: how many queries run at once")
    parser.add_argument(
        "--data",
        action="append",
        metavar="FILE[=GRAPH_IRI]",
        help="serve these RDF files instead of the built graph; a triples file goes into GRAPH_IRI, else the default graph",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(host=args.host, port=args.port, workers=args.workers)
        run(settings, args.data)
    except KemiGraphError as error:
        print(f"kemi-graph serve: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
