"""The SPARQL 1.1 Protocol endpoint (``/sparql``): queries only, never updates.

Requests are read strictly: a query via GET, via POST ``application/x-www-form-urlencoded`` or
via POST ``application/sparql-query``; one ``query`` parameter; UTF-8 only; the dataset given by
``default-graph-uri``/``named-graph-uri`` is used exactly (without them the default graph is the
union of all graphs). The query runs in an evaluator process (kemi_graph.web.evaluator) under
the configured timeout and row limit. A plain GET returns the service description, or the
query page when HTML is preferred.

The data changes only when it is built, so answers are cached (kemi_graph.web.response_cache):
a GET answer carries an ``ETag`` (a hash of the dataset version, the query, the dataset
parameters, the negotiated format and the endpoint URL) and ``Cache-Control``, and a matching
``If-None-Match`` gets a 304 without evaluating anything; GET and POST answers are kept in a
per-worker LRU cache under the same key, so a repeated query is not evaluated again. Queries
whose answer may change between evaluations (``SERVICE``, ``NOW()``, ``RAND()``, ``UUID()``,
``STRUUID()``, ``BNODE()``) are neither cached nor tagged.

Every refusal is an ``HTTPException`` whose description says what is wrong; the app's error
handler (kemi_graph.web.app) turns it into a plain-text response.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, render_template, request
from werkzeug.exceptions import (
    BadGateway,
    BadRequest,
    Forbidden,
    HTTPException,
    InternalServerError,
    ServiceUnavailable,
)
from werkzeug.exceptions import NotAcceptable as HttpNotAcceptable

from kemi_graph import formats
from kemi_graph.queries import all_queries
from kemi_graph.config import Settings
from kemi_graph.web import page_kit
from kemi_graph.web.conneg import NotAcceptable, negotiate
from kemi_graph.errors import QueryError
from kemi_graph.query_text import QueryText, checked, service_allowed
from kemi_graph.web.evaluator import Busy, EvaluatorFailed, Job, Outcome, QueryPool, QueryTimeout
from kemi_graph.web.response_cache import CachedResponse, ResponseCache, response_key
from kemi_graph.web.service_description import ServiceDescription

bp = Blueprint("sparql", __name__)

TRUNCATED_HEADER = "X-Results-Truncated"
STATE_KEY = "kemi_graph"

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

MAX_AGE = 300  # seconds; a new build changes the dataset version and so every ETag
# Functions whose value differs between two evaluations of the same query. A match inside a
# string or comment only costs a cache miss.
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)

EXAMPLE_QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?concept ?label WHERE {
  ?concept skos:prefLabel ?label .
}
LIMIT 20
"""


@dataclass(frozen=True)
class WebState:
    """What the endpoint needs, built once by create_app and kept in ``app.extensions``."""

    settings: Settings
    store: ox.Store
    pool: QueryPool
    service_description: ServiceDescription
    # The data's version: the build's content hash, or a hash of the files given to
    # 'serve --data'. Part of every ETag (here and in kemi_graph.web.pages).
    dataset_version: str
    response_cache: ResponseCache
    built: str | None = None  # when the build was made (None for data given to 'serve --data')


def state() -> WebState:
    """The generation of data this request is answered from (kemi_graph.web.live): the same
    for the whole request, even if a new build is swapped in meanwhile."""
    if "kemi_graph_state" not in g:
        g.kemi_graph_state = current_app.extensions[STATE_KEY].current()
    return g.kemi_graph_state  # type: ignore[no-any-return]


class Params:
    """The request's parameters, each with all its values (a repeated parameter is visible)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def all(self, key: str) -> list[str]:
        return self._values.get(key, [])


# Both spellings are routed explicitly: the W3C protocol tests and many clients write the
# endpoint as '/sparql/', and a redirect would turn a POST into a second request.
@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/sparql/", methods=["GET", "POST"])
def endpoint() -> Response:
    if request.method == "POST" and request.mimetype == SPARQL_UPDATE:
        raise Forbidden("This endpoint is read-only: SPARQL Update requests are refused.")
    params = _request_params()
    if "update" in params:
        raise Forbidden("This endpoint is read-only: SPARQL Update requests ('update' parameter) are refused.")
    format_param = params.all("format") + params.all("_format")
    queries = params.all("query")
    if len(queries) > 1:
        raise BadRequest(f"the 'query' parameter is given {len(queries)} times; give exactly one query")
    if not queries:
        if request.method == "POST":
            raise BadRequest("no query: send a 'query' parameter or a body of type application/sparql-query")
        return _describe_service(format_param)
    return _answer(queries[0], params, format_param)


@bp.after_request
def _vary(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def _request_params() -> Params:
    """URL parameters plus, for a form POST, the body's; for a direct POST the body is the query."""
    pairs = _parse_query_string(request.query_string, "the URL's query string")
    if request.method != "POST":
        return Params(pairs)
    mimetype = request.mimetype
    if mimetype not in (FORM, SPARQL_QUERY):
        got = f"Content-Type {mimetype!r}" if mimetype else "no Content-Type"
        raise BadRequest(
            f"a SPARQL query by POST needs Content-Type {FORM} or {SPARQL_QUERY} ({got} was sent)"
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BadRequest(f"unsupported charset {charset!r}: SPARQL requests must be UTF-8")
    body = request.get_data(cache=False)
    if mimetype == FORM:
        return Params(pairs + _parse_query_string(body, "the form body"))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the query is not valid UTF-8 (byte {error.start}): SPARQL requests must be UTF-8") from error
    if any(key == "query" for key, _ in pairs):
        raise BadRequest("a query is given both in the body and as a 'query' URL parameter; give it once")
    return Params(pairs + [("query", text)])


def _parse_query_string(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise BadRequest(f"{where} is not valid UTF-8 (percent-encoded bytes must be UTF-8)") from error


def _graph_iris(params: Params, key: str) -> list[str]:
    iris = [iri for iri in params.all(key) if iri.strip()]  # an empty form field means none
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise BadRequest(f"{key}: {iri!r} is not an absolute IRI ({error})") from error
    return iris


def _scan(query: str) -> QueryText:
    try:
        return checked(query)
    except QueryError as error:
        raise BadRequest(f"Malformed query: {error}") from error


def _answer(query: str, params: Params, format_param: list[str]) -> Response:
    web = state()
    settings = web.settings
    info = _scan(query)
    if info.kind == "update":
        raise Forbidden("This endpoint is read-only: SPARQL Update operations are refused; send a query.")
    for service in info.services:
        if not service_allowed(service, settings.service_allow_list):
            allowed = ", ".join(settings.service_allow_list) or "empty"
            target = f"<{service}>" if service else "an endpoint given by a variable or an unknown prefix"
            raise Forbidden(
                f"SERVICE {target} is not allowed: federated queries may only call endpoints on the "
                f"service allow list (service_allow_list: {allowed})"
            )
    default_graph = _graph_iris(params, "default-graph-uri")
    named_graphs = _graph_iris(params, "named-graph-uri")
    dataset_given = bool(default_graph or named_graphs)

    fmt: formats.Format | None = None
    if info.kind is not None:
        # Asked only for formats of the other kind of answer, a query gets its kind's default (docs/web.md).
        if info.kind == "select":
            fmt = _negotiate(formats.QUERY_RESULTS + (formats.HTML,), format_param, other_kind=formats.RDF)
        else:
            fmt = _negotiate(formats.RDF + (formats.HTML,), format_param, other_kind=formats.QUERY_RESULTS)
    html = fmt is formats.HTML

    # The answer is fully determined by these, unless the query can change its own answer.
    cacheable = not info.services and info.kind is not None and not _VOLATILE.search(query)
    key = etag = None
    if cacheable:
        key = response_key(
            web.dataset_version, query, default_graph, named_graphs, _variant(fmt), request.base_url
        )
        if request.method in ("GET", "HEAD"):
            etag = key[:40]
            if request.if_none_match.contains_weak(etag):
                return _tagged(Response(status=304), etag)
        cached = web.response_cache.get(key)
        if cached is not None:
            return _tagged(_cached_response(cached, settings), etag)

    if html:
        fmt = formats.RESULTS_JSON if info.kind == "select" else formats.TURTLE

    job = Job(
        query=query,
        format_name=fmt.name if fmt else None,
        max_rows=settings.max_rows,
        max_bytes=settings.max_response_bytes,
        base_iri=request.base_url,
        default_graph=tuple(default_graph) if dataset_given else None,
        named_graphs=tuple(named_graphs) if dataset_given else None,
    )
    try:
        outcome = evaluate(job, calls_services=bool(info.services))
    except HTTPException as error:
        if info.kind is None and error.code == 400:
            error.description = _form_hint(query) or error.description
        if html or (info.kind is None and _prefers_html(format_param)):
            return _error_page(query, error)
        raise

    if html:
        response = Response(_render_results(query, params, outcome), content_type=formats.HTML.content_type)
    else:
        served = formats.QUERY_RESULTS if outcome.kind == "select" else formats.RDF
        chosen = formats.by_name(outcome.format_name, served)
        assert chosen is not None
        response = Response(outcome.body, content_type=chosen.content_type)
    if outcome.truncated:
        response.headers[TRUNCATED_HEADER] = f"max_rows={settings.max_rows}"
    if key is not None and outcome.kind == info.kind:  # a wrong guess of the form is not kept
        web.response_cache.put(key, CachedResponse(response.get_data(), response.content_type, outcome.truncated))
    return _tagged(response, etag)


def evaluate(job: Job, calls_services: bool = False) -> Outcome:
    """Run ``job`` in an evaluator process; failures become HTTP errors with a message.

    Waiting for a free evaluator and evaluating share one deadline, ``query_timeout`` after
    the request reached the app (kemi_graph.web.app records when).
    """
    web = state()
    settings = web.settings
    deadline = g.get("kemi_graph_started", time.monotonic()) + settings.query_timeout
    try:
        outcome = web.pool.run(job, deadline)
    except Busy as error:
        raise _unavailable(
            "The server is evaluating as many queries as it can "
            + ("and as many wait already" if error.queue_full else f"and none finished within {settings.query_timeout:g} s (query_timeout)")
            + ": try again in a moment.",
            settings,
        ) from error
    except QueryTimeout as error:
        raise ServiceUnavailable(
            f"The query ran longer than the time limit of {settings.query_timeout:g} s and was stopped "
            "(query_timeout). Narrow it down, e.g. with LIMIT, more specific patterns or parameters."
        ) from error
    except EvaluatorFailed as error:
        if error.signal in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS):
            raise ServiceUnavailable(
                "The query was stopped: its evaluation needed more memory than a query may use "
                f"({settings.evaluator_memory} bytes, evaluator_memory). Narrow it down, e.g. with LIMIT "
                "or more specific patterns."
            ) from error
        raise InternalServerError("the query evaluation process stopped unexpectedly") from error
    if outcome.status == "syntax":
        raise BadRequest(f"Malformed query: {outcome.message}")
    if outcome.status == "memory":
        raise ServiceUnavailable(
            f"The query was stopped: {outcome.message} ({settings.evaluator_memory} bytes, evaluator_memory)."
        )
    if outcome.status == "too_large":
        raise BadRequest(
            f"The answer is larger than the limit of {settings.max_response_bytes} bytes (max_response_bytes). "
            "Ask for less, e.g. with LIMIT or fewer variables."
        )
    if outcome.status == "unsupported":
        raise BadRequest(f"The query asks for something this endpoint does not support: {outcome.message}")
    if outcome.status == "error":
        if calls_services:
            raise BadGateway(f"A SERVICE call failed: {outcome.message}")
        raise InternalServerError(f"The query could not be evaluated: {outcome.message}")
    return outcome


def _unavailable(message: str, settings: Settings) -> ServiceUnavailable:
    """A 503 that tells the client when to try again."""
    retry_after = max(1, round(settings.query_timeout / 2))
    return ServiceUnavailable(message, response=Response(headers={"Retry-After": str(retry_after)}))


def _cached_response(cached: CachedResponse, settings: Settings) -> Response:
    response = Response(cached.body, content_type=cached.content_type)
    if cached.truncated:
        response.headers[TRUNCATED_HEADER] = f"max_rows={settings.max_rows}"
    return response


def _tagged(response: Response, etag: str | None) -> Response:
    """``ETag`` and ``Cache-Control`` on a GET answer; a POST answer (or an uncacheable one) gets neither."""
    if etag is not None:
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
    return response


def _negotiate(
    candidates: tuple[formats.Format, ...], format_param: list[str], other_kind: tuple[formats.Format, ...] = ()
) -> formats.Format:
    try:
        return negotiate(request.headers.get("Accept"), candidates, format_param, other_kind=other_kind)
    except NotAcceptable as error:
        if error.unknown_format:
            raise BadRequest(str(error)) from error
        raise HttpNotAcceptable(str(error)) from error


def _describe_service(format_param: list[str]) -> Response:
    web = state()
    fmt = _negotiate(formats.RDF + (formats.HTML,), format_param)
    if fmt is formats.HTML:
        return Response(_render_page(EXAMPLE_QUERY), content_type=formats.HTML.content_type)
    site = web.settings.site_url  # never the request's Host header
    body = web.service_description.serialize(site + "/sparql", site + "/.well-known/void", fmt)
    return Response(body, content_type=fmt.content_type)


# -- HTML ----------------------------------------------------------------------------------------

# The query page's interface text (?lang=en|fi, as on the other pages).
PAGE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "SPARQL query",
        "description": "A read-only SPARQL 1.1 endpoint over the kemi-graph knowledge graph.",
        "lead_before": "A read-only",
        "lead_endpoint": "endpoint at",
        "lead_limits": "Without a dataset in the request the default graph is the union of all graphs. Queries stop after {timeout} s and return at most {rows} rows.",
        "skip_results": "Skip to the results",
        "query": "Query",
        "keys": "Ctrl+Enter (⌘+Enter) runs the query; Tab leaves the editor.",
        "examples": "Examples: the named queries",
        "examples_legend": "Each opens in the editor (without scripts, it runs). A ?variable listed as a parameter is left unbound here: bind it in the query, or give it a value on the query's own page.",
        "examples_more": "The named queries with their parameters",
        "parameters": "parameters",
        "error": "The query could not be run:",
        "format": "Result format",
        "format_legend": "SELECT and ASK answer in HTML, SPARQL JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE in HTML or an RDF format.",
        "default_graph": "Default graph IRI (optional)",
        "all_graphs": "all graphs",
        "run": "Run query",
        "truncated": "The results were cut at {rows} rows (max_rows).",
        "result": "Result",
        "results": "Results",
        "rows": "{n} rows",
        "result_graph": "Result graph",
        "download": "Download",
        "machine": "Machine-readable:",
        "service_description": "service description",
    },
    "fi": {
        "title": "SPARQL-kysely",
        "description": "Vain luku -muotoinen SPARQL 1.1 -rajapinta kemi-graph-tietograafiin.",
        "lead_before": "Vain luku -muotoinen",
        "lead_endpoint": "-rajapinta osoitteessa",
        "lead_limits": "Jos pyyntö ei nimeä aineistoa, oletusgraafi on kaikkien graafien yhdiste. Kysely keskeytetään {timeout} sekunnin jälkeen, ja se palauttaa enintään {rows} riviä.",
        "skip_results": "Siirry tuloksiin",
        "query": "Kysely",
        "keys": "Ctrl+Enter (⌘+Enter) suorittaa kyselyn; sarkain (Tab) siirtyy pois editorista.",
        "examples": "Esimerkit: nimetyt kyselyt",
        "examples_legend": "Esimerkki avautuu editoriin (ilman skriptejä se suoritetaan). Parametriksi merkitty ?muuttuja jää tässä sitomatta: sido se kyselyssä tai anna sille arvo kyselyn omalla sivulla.",
        "examples_more": "Nimetyt kyselyt parametreineen",
        "parameters": "parametrit",
        "error": "Kyselyä ei voitu suorittaa:",
        "format": "Tulosmuoto",
        "format_legend": "SELECT ja ASK vastaavat HTML-, SPARQL JSON-, XML-, CSV- tai TSV-muodossa; CONSTRUCT ja DESCRIBE HTML- tai RDF-muodossa.",
        "default_graph": "Oletusgraafin IRI (valinnainen)",
        "all_graphs": "kaikki graafit",
        "run": "Suorita kysely",
        "truncated": "Tulokset katkaistiin {rows} riviin (max_rows).",
        "result": "Tulos",
        "results": "Tulokset",
        "rows": "{n} riviä",
        "result_graph": "Tulosgraafi",
        "download": "Lataa",
        "machine": "Koneluettava:",
        "service_description": "palvelun kuvaus",
    },
}

_FIRST_WORD = re.compile(r"\s*(?:(?:BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)\s*)*([^\s{(<?$]*)", re.IGNORECASE)


def _variant(fmt: formats.Format | None) -> str:
    """The format part of a cache key; an HTML page also depends on its languages (?lang=, ?clang=)."""
    if fmt is formats.HTML:
        return "html;" + ";".join(page_kit.languages())
    return fmt.name if fmt else ""


def _form_hint(query: str) -> str | None:
    """A message for a query whose form the scanner could not find (e.g. ``SELEC``), instead of the parser's guess."""
    match = _FIRST_WORD.match(query)
    found = match.group(1) if match else ""
    if not found:
        return None
    return (
        f"Malformed query: it must start with SELECT, ASK, CONSTRUCT or DESCRIBE (after any BASE and PREFIX "
        f"declarations), but starts with {found[:40]!r}"
    )


def _prefers_html(format_param: list[str]) -> bool:
    """Whether the client would take the page rather than SPARQL results (a browser, or format=html)."""
    try:
        return negotiate(request.headers.get("Accept"), (formats.RESULTS_JSON, formats.HTML), format_param) is formats.HTML
    except NotAcceptable:
        return False


def _error_page(query: str, error: HTTPException) -> Response:
    """The query page with the query kept and the error beside it, under the error's status."""
    body = _render_page(query, error=error.description)
    return Response(body, status=error.code or 500, content_type=formats.HTML.content_type)


def _download_links(query: str, params: Params, kind: str) -> list[tuple[formats.Format, str]]:
    """One link per format of this kind of result, from the formats table."""
    dataset = [(key, value) for key in ("default-graph-uri", "named-graph-uri") for value in params.all(key)]
    candidates = formats.QUERY_RESULTS if kind == "select" else formats.RDF
    return [
        (fmt, request.base_url + "?" + urlencode([("query", query), *dataset, ("format", fmt.name)]))
        for fmt in candidates
    ]


def _render_page(query: str, **context: object) -> str:
    ui, content = page_kit.languages()
    text = PAGE_TEXT[ui]
    return render_template(
        "sparql.html",
        query=query,
        endpoint=request.base_url,
        output_formats=[formats.HTML, *formats.QUERY_RESULTS, *formats.RDF],
        examples=all_queries().values(),
        settings=state().settings,
        p=lambda key, **values: text[key].format(**values),
        **{**page_kit.context(ui, content), **context},
    )


def _render_results(query: str, params: Params, outcome: Outcome) -> str:
    context: dict[str, object] = {
        "truncated": outcome.truncated,
        "downloads": _download_links(query, params, outcome.kind),
        "selected_format": "html",
    }
    if outcome.kind == "select":
        results = json.loads(outcome.body)
        if "boolean" in results:
            context["boolean"] = results["boolean"]
        else:
            ui, content = page_kit.languages()
            href = page_kit.href_factory(page_kit.current_iris(), ui, content)
            variables = results["head"].get("vars", [])
            context["variables"] = variables
            context["rows"] = [[_cell(binding.get(v), href) for v in variables] for binding in results["results"]["bindings"]]
    else:
        context["graph_text"] = outcome.body.decode("utf-8")
    return _render_page(query, **context)


def _cell(term: Mapping[str, object] | None, href: Callable[[str], str]) -> dict[str, object] | None:
    """A result value for the page; an IRI links to its page here when the site shows it (as pages do),
    else to itself (the template links only http(s) targets and local paths)."""
    if term is None:
        return None
    value = str(term.get("value", ""))
    kind = term.get("type")
    if kind == "uri":
        return {"text": value, "href": href(value)}
    if kind == "bnode":
        return {"text": f"_:{value}"}
    extra = term.get("xml:lang") or term.get("datatype")
    return {"text": value, "note": f"@{extra}" if term.get("xml:lang") else (f"^^{extra}" if extra else None)}
