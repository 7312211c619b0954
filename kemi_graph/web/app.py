"""The application factory: ``create_app(settings, store)`` builds one Flask app.

The typed :class:`~kemi_graph.config.Settings` are copied in once (``app.extensions``; Flask's
untyped ``app.config`` only gets the request-size limit Werkzeug enforces). Errors are mapped
to responses here and nowhere else: a client's fault is a 4xx with a plain-text message, a
server fault a 5xx without a trace.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time

import pyoxigraph as ox
from flask import Flask, Response, g, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge, RequestURITooLarge

from kemi_graph import resources
from kemi_graph.config import Settings
from kemi_graph.errors import InputError, KemiGraphError, QueryError, StoreNotBuilt
from kemi_graph.store import BUILD_INFO, build_info
from kemi_graph.web import pages, publication, queries_pages, sparql
from kemi_graph.web.evaluator import QueryPool
from kemi_graph.web.live import Live, Snapshot, open_snapshot_or_dist
from kemi_graph.web.response_cache import ResponseCache
from kemi_graph.web.security import init_security
from kemi_graph.web.interface_language import init_interface_language
from kemi_graph.web.compression import init_compression
from kemi_graph.web.service_description import ServiceDescription

log = logging.getLogger(__name__)


def create_app(settings: Settings, store: ox.Store | None = None, dataset_version: str | None = None) -> Flask:
    """The web app over ``store``, or over the built store (opened read-only) when it is None.

    A given store (e.g. an in-memory one from ``serve --data``) reaches the query evaluators by
    fork; without one, every evaluator opens the built store read-only itself.
    ``dataset_version`` names the data in every ETag; without it, see :func:`version_of`.
    """
    web_dir = resources.web_dir()
    app = Flask(__name__, template_folder=str(web_dir / "templates"), static_folder=str(web_dir / "static"))
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_request_bytes

    if store is None:
        build_info(settings)  # fails now, with the message, when nothing is built
        live = Live(settings, functools.partial(_generation, settings), follow=True)
    else:
        given = store
        version = dataset_version or version_of(settings, store)
        # The evaluators inherit a given store by fork; it never changes under the server.
        live = Live(settings, lambda _: _generation(settings, None, given, version), follow=False)
    app.extensions[sparql.STATE_KEY] = live
    # CORS for reads: every route here only reads (a SPARQL query by POST included).
    CORS(
        app,
        origins="*",
        send_wildcard=True,  # a public, credential-less API: '*' rather than the echoed Origin
        methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=[sparql.TRUNCATED_HEADER, "ETag"],
    )
    app.before_request(functools.partial(_admit_request, settings))
    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(queries_pages.bp)
    app.register_blueprint(publication.bp)
    _register_error_handlers(app)
    init_security(app)
    init_interface_language(app)
    init_compression(app)
    return app


def _generation(
    settings: Settings, snapshot: Snapshot | None, store: ox.Store | None = None, version: str | None = None
) -> sparql.WebState:
    """One generation of served data: the given store, or the built store (its snapshot)."""
    built = None
    if store is None:
        open_store = open_snapshot_or_dist(settings, snapshot)
        info = snapshot.info if snapshot is not None else build_info(settings)
        store, version, built = open_store(), str(info["version"]), info.get("built")
    else:
        given = store
        open_store = lambda: given  # noqa: E731
    assert version is not None
    return sparql.WebState(
        settings=settings,
        store=store,
        pool=QueryPool(
            open_store,
            timeout=settings.query_timeout,
            size=settings.evaluators,
            queue=settings.query_queue,
            memory=settings.evaluator_memory,
        ),
        service_description=ServiceDescription(store, settings.base_iri, federation=bool(settings.service_allow_list)),
        dataset_version=version,
        response_cache=ResponseCache(settings.response_cache_bytes),
        built=str(built) if built else None,
    )


def version_of(settings: Settings, store: ox.Store) -> str:
    """The version of a store handed to create_app without one.

    The build's version when the store holds exactly the graphs and counts ``build-info.json``
    records (the built store, opened by the caller); otherwise a SHA-256 of the store's sorted
    N-Quads, computed once here.
    """
    if (settings.dist_dir / BUILD_INFO).is_file():
        counts = {
            row["g"].value: int(row["n"].value)
            for row in store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        }
        in_default = store.query("ASK { ?s ?p ?o }", default_graph=[ox.DefaultGraph()], named_graphs=[])
        info = build_info(settings)
        if info.get("graphs") == counts and not bool(in_default):
            return str(info["version"])
    digest = hashlib.sha256()
    for line in sorted(ox.serialize(store, format=ox.RdfFormat.N_QUADS).splitlines()):
        digest.update(line + b"\n")
    return digest.hexdigest()


def _admit_request(settings: Settings) -> None:
    """Note when the request reached the app (its query's deadline counts from here) and refuse
    a request line or body over the limits before anything reads them."""
    g.kemi_graph_started = time.monotonic()
    line = len(request.method) + len(request.full_path if request.query_string else request.path) + len("HTTP/1.1") + 2
    if line > settings.max_request_line:
        raise RequestURITooLarge(
            f"the request line is {line} bytes; the limit is {settings.max_request_line} (max_request_line): "
            "send a long SPARQL query by POST (Content-Type application/sparql-query or a form), "
            f"up to {settings.max_request_bytes} bytes"
        )
    limit = settings.max_request_bytes
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(
            f"the request body is {request.content_length} bytes; the limit is {limit} (max_request_bytes)"
        )


def _plain(code: int, message: str, response: Response | None = None) -> Response:
    response = response or Response(status=code)
    response.status_code = code
    response.set_data(message.rstrip("\n") + "\n")
    response.content_type = "text/plain; charset=utf-8"
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if error.code is not None and error.code >= 500 and error.code != 503:  # 503s are load, not faults
            log.error("%s: %s", error.name, error.description)
        if error.code == 413 and error.description == RequestEntityTooLarge.description:
            error.description = f"the request is larger than the limit of {app.extensions[sparql.STATE_KEY].settings.max_request_bytes} bytes (max_request_bytes)"
        # get_response keeps headers the exception carries (Allow on a 405, for instance).
        return _plain(error.code or 500, f"{error.code} {error.name}: {error.description}", error.get_response())

    @app.errorhandler(KemiGraphError)
    def library_error(error: KemiGraphError) -> Response:
        if isinstance(error, (QueryError, InputError)):
            return _plain(400, f"400 Bad Request: {error}")
        if isinstance(error, StoreNotBuilt):
            return _plain(503, f"503 Service Unavailable: {error}")
        log.exception("unexpected library error")
        return _plain(500, "500 Internal Server Error: the server could not answer this request")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return _plain(500, f"500 Internal Server Error: {InternalServerError.description}")
