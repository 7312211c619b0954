"""Scale out: publish the built graphs into an existing SPARQL 1.1 server, and query it as a store.

- :func:`publish` (``kemi-graph publish --endpoint URL [--graph-store URL]``) sends every named
  graph of the built store to the server: with SPARQL Update (``DROP SILENT GRAPH <g> ; INSERT
  DATA { GRAPH <g> { ... } }`` as one request, one transaction) or, given ``--graph-store``,
  with the Graph Store Protocol (``PUT ?graph=<g>``, N-Triples). Either way each graph is
  replaced atomically: a reader sees the old graph or the new one, never a mix. A last update
  empties the server's graphs under ``{base}/graph/`` that the build no longer has.
- :class:`RemoteStore` answers the part of pyoxigraph's ``Store`` interface the web layer uses
  (``query``, ``named_graphs``, ``quads_for_pattern``) by the SPARQL 1.1 Protocol, and returns
  the same types (``QuerySolutions``/``QueryBoolean`` via ``pyoxigraph.parse_query_results``;
  triples for CONSTRUCT/DESCRIBE). Substitutions (named-query parameters) are bound with a
  ``VALUES`` block at the start of the query's WHERE group, the terms written by pyoxigraph
  (``str(term)``: N-Triples syntax), never pasted from user text. "Default graph = union of all
  named graphs" is asked for portably, with the protocol's ``default-graph-uri`` and
  ``named-graph-uri`` listing every named graph of the server.
- :func:`run_remote` (``kemi-graph serve --sparql-endpoint URL``) serves the web front end
  (endpoint, pages, named queries) over a ``RemoteStore``.

Only the standard library talks HTTP here (``urllib``), with a timeout on every request.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from kemi_graph.config import Settings
from kemi_graph.errors import InputError, KemiGraphError, QueryError
from kemi_graph.namespaces import Iris
from kemi_graph.store import open_read_only

RESULTS_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
GRAPH_LIST_SECONDS = 10.0
PASSWORD_VARIABLE = "KEMI_GRAPH_PUBLISH_PASSWORD"


class RemoteError(KemiGraphError):
    """The SPARQL server could not be reached or refused a request; the message names it."""


@dataclass(frozen=True)
class Credentials:
    """A user of the SPARQL server allowed to update it (Virtuoso: a user with the SPARQL_UPDATE role)."""

    user: str
    password: str = field(repr=False)

    @classmethod
    def from_env(cls, user: str | None, env: Mapping[str, str] = os.environ) -> Credentials | None:
        """``user`` with the password of ``KEMI_GRAPH_PUBLISH_PASSWORD``: never on the command line,
        where other users of the machine could read it in the process list."""
        if not user:
            return None
        password = env.get(PASSWORD_VARIABLE)
        if not password:
            raise InputError(f"--user {user!r}: set the password in the environment variable {PASSWORD_VARIABLE}")
        return cls(user, password)


def _check_url(url: str, option: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{option} {url!r}: not an http(s) URL")
    return url


class _Authorization:
    """Credentials sent with the request itself, not after a refusal.

    urllib's own handlers send the body, wait for the 401 and send it again; Virtuoso answers 401
    before it has read a large body and closes the connection, so the upload fails with a broken
    pipe. Here the server's challenge is asked for once per URL path with a bodiless GET, and every
    request carries its answer (Digest, with the nonce count urllib keeps, or Basic)."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        self._digest = urllib.request.HTTPDigestAuthHandler(self._passwords)
        self._challenges: dict[str, str | None] = {}  # URL without query → WWW-Authenticate; None: not asked for

    def header(self, request: urllib.request.Request, timeout: float) -> str | None:
        where = _without_query(request.full_url)
        if where not in self._challenges:
            self._passwords.add_password(None, where, self.credentials.user, self.credentials.password)
            self._challenges[where] = self._challenge(where, timeout)
        challenge = self._challenges[where]
        if challenge is None:
            return None
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            pair = f"{self.credentials.user}:{self.credentials.password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        if scheme.lower() != "digest":
            raise RemoteError(f"{where}: asks for {scheme} authentication; only Digest and Basic are supported")
        answer = self._digest.get_authorization(request, urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(params))))
        if answer is None:
            raise RemoteError(f"{where}: cannot answer its Digest challenge ({challenge[:200]})")
        return f"Digest {answer}"

    def forget(self, url: str) -> None:
        """Ask for a new challenge next time (the server's nonce expired)."""
        self._challenges.pop(_without_query(url), None)

    @staticmethod
    def _challenge(where: str, timeout: float) -> str | None:
        try:
            with urllib.request.urlopen(urllib.request.Request(where, method="GET"), timeout=timeout):  # noqa: S310 (http(s) only)
                return None
        except urllib.error.HTTPError as error:
            error.close()
            return error.headers.get("WWW-Authenticate") if error.code == 401 else None
        except OSError as error:
            raise RemoteError(f"{where}: cannot reach the SPARQL server: {error}") from error


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _request(
    url: str, data: bytes | None, headers: Mapping[str, str], method: str, timeout: float,
    authorization: _Authorization | None = None, retry: bool = True,
) -> tuple[bytes, str]:
    request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
    answer = authorization.header(request, timeout) if authorization else None
    if answer:
        request.add_unredirected_header("Authorization", answer)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only)
            return response.read(), (response.headers.get_content_type() or "").lower()
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace").strip()
        if error.code == 401 and authorization and retry:
            authorization.forget(url)  # the nonce may have expired: once more with a new challenge
            return _request(url, data, headers, method, timeout, authorization, retry=False)
        raise RemoteError(f"{url}: HTTP {error.code} {error.reason}: {body[:500]}") from error
    except OSError as error:
        if authorization and retry and isinstance(getattr(error, "reason", error), (BrokenPipeError, ConnectionResetError)):
            authorization.forget(url)  # cut off mid-upload: the server refused the credentials before reading it all
            return _request(url, data, headers, method, timeout, authorization, retry=False)
        raise RemoteError(f"{url}: cannot reach the SPARQL server: {error}") from error


# --- binding substitutions safely -------------------------------------------------------------


def _where_brace(query: str) -> int:
    """Index of the first '{' of the query that is not in a comment, IRI or string: the WHERE group."""
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and query[j : j + len(quote)] != quote:
                j += 2 if query[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            end = query.find(">", i)
            token = query[i + 1 : end] if end > 0 else ""
            if end > 0 and not any(ch.isspace() for ch in token):
                i = end + 1
                continue
        if c == "{":
            return i
        i += 1
    raise QueryError("the query has no WHERE group '{ ... }' to bind its parameters in")


def bind_values(query: str, substitutions: Mapping[ox.Variable, Any]) -> str:
    """``query`` with ``VALUES (?a ?b) { (<x> "y") }`` first in its WHERE group; terms serialised by pyoxigraph."""
    if not substitutions:
        return query
    names, terms = [], []
    for variable, term in substitutions.items():
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"cannot bind {variable} to {term!r} on a remote endpoint")
        names.append(str(variable) if str(variable).startswith("?") else f"?{variable.value}")
        terms.append(str(term))
    brace = _where_brace(query)
    block = f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "
    return query[: brace + 1] + block + query[brace + 1 :]


# --- the remote store -------------------------------------------------------------------------


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint behind the subset of ``pyoxigraph.Store`` the web layer uses."""

    def __init__(self, endpoint: str, timeout: float = 30.0, graph_prefix: str | None = None) -> None:
        self.endpoint = _check_url(endpoint, "--sparql-endpoint")
        self.timeout = timeout
        # Only graphs under this prefix make the dataset: a server such as Virtuoso keeps its own
        # graphs (virtrdf#, ...) beside ours, and they are not part of the union default graph.
        self.graph_prefix = graph_prefix
        self._graphs: tuple[float, list[str]] | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    def _graph_iris(self) -> list[str]:
        now = time.monotonic()
        if self._graphs is None or now - self._graphs[0] > GRAPH_LIST_SECONDS:
            query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
            if self.graph_prefix is not None:
                query = bind_values("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ?prefix)) }",
                                    {ox.Variable("prefix"): ox.Literal(self.graph_prefix)})
            result = self._send(query, [])
            self._graphs = (now, sorted(row["g"].value for row in result if isinstance(row["g"], ox.NamedNode)))  # type: ignore[index,union-attr]
        return self._graphs[1]

    def _send(self, query: str, dataset: list[tuple[str, str]]) -> Any:
        body = urlencode([("query", query), *dataset]).encode("utf-8")
        headers = {"Accept": RESULTS_ACCEPT, "Content-Type": "application/x-www-form-urlencoded"}
        try:
            data, media_type = _request(self.endpoint, body, headers, "POST", self.timeout)
        except RemoteError as error:
            if "HTTP 400" in str(error):
                raise QueryError(str(error)) from error
            raise
        if media_type in ("application/sparql-results+json", "application/json"):
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        if media_type in ("application/sparql-results+xml", "application/xml"):
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.XML)
        if media_type == "text/tab-separated-values":
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
        rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
        if rdf_format is None:
            raise RemoteError(f"{self.endpoint}: answered with an unknown media type {media_type!r}")
        return iter(list(ox.parse(data, format=rdf_format)))

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Any = None,
        named_graphs: Any = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        **_: Any,
    ) -> Any:
        if base_iri:
            query = f"BASE <{base_iri}>\n{query}"
        query = bind_values(query, substitutions or {})
        dataset: list[tuple[str, str]] = []
        if default_graph is not None or named_graphs is not None:
            defaults = default_graph if isinstance(default_graph, list) else ([default_graph] if default_graph is not None else [])
            dataset += [("default-graph-uri", g.value) for g in defaults if isinstance(g, ox.NamedNode)]
            dataset += [("named-graph-uri", g.value) for g in named_graphs or [] if isinstance(g, ox.NamedNode)]
            if named_graphs is None:
                dataset += [("named-graph-uri", iri) for iri in self._graph_iris()]
        elif use_default_graph_as_union:
            graphs = self._graph_iris()
            dataset += [("default-graph-uri", iri) for iri in graphs] + [("named-graph-uri", iri) for iri in graphs]
        return self._send(query, dataset)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter([ox.NamedNode(iri) for iri in self._graph_iris()])

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return graph.value in self._graph_iris()

    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, object: Any = None, graph_name: Any = None) -> Iterator[ox.Quad]:  # noqa: A002
        bound = {ox.Variable(name): term for name, term in (("s", subject), ("p", predicate), ("o", object), ("g", graph_name)) if term is not None}
        result = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", substitutions=bound, use_default_graph_as_union=True)
        return iter([ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in result])  # type: ignore[index]

    def __len__(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", use_default_graph_as_union=True)
        return int(next(iter(result))["n"].value)  # type: ignore[index]


# --- publish ----------------------------------------------------------------------------------


def _graph_ntriples(store: ox.Store, graph: ox.NamedNode) -> bytes:
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def publish(
    settings: Settings, endpoint: str, *, graph_store: str | None = None, credentials: Credentials | None = None,
    timeout: float = 300.0, log: Any = print,
) -> dict[str, int]:
    """Every named graph of the built store into the server; returns triples per graph IRI."""
    _check_url(endpoint, "--endpoint")
    if graph_store:
        _check_url(graph_store, "--graph-store")
    update_headers = {"Content-Type": "application/sparql-update; charset=utf-8"}
    authorization = _Authorization(credentials) if credentials else None
    store = open_read_only(settings)
    sent: dict[str, int] = {}
    for graph in sorted(store.named_graphs(), key=str):
        if not isinstance(graph, ox.NamedNode):
            continue
        nt = _graph_ntriples(store, graph)
        count = nt.count(b"\n")
        if graph_store:
            separator = "&" if "?" in graph_store else "?"
            url = graph_store + separator + urlencode({"graph": graph.value})
            _request(url, nt, {"Content-Type": "application/n-triples"}, "PUT", timeout, authorization)
        else:
            update = f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n".encode("utf-8") + nt + b"}}\n"
            _request(endpoint, update, update_headers, "POST", timeout, authorization)
        sent[graph.value] = count
        log(f"{count:>8} triples  {graph.value}")
    _request(endpoint, _drop_unpublished(settings, sent).encode("utf-8"), update_headers, "POST", timeout, authorization)
    log(f"published {len(sent)} graphs ({sum(sent.values())} triples) to {graph_store or endpoint}; "
        f"emptied the server's other graphs under {Iris(settings.base_iri).graph_prefix}")
    return sent


def _drop_unpublished(settings: Settings, published: Mapping[str, int]) -> str:
    """One update emptying the server's graphs of ours that this build no longer has (e.g. a
    municipality since removed), so the server answers as the embedded store does. Written as
    DELETE/WHERE rather than a listing + DROP: it needs only the update endpoint, in one transaction."""
    kept = ", ".join(f"<{iri}>" for iri in sorted(published))
    prefix = Iris(settings.base_iri).graph_prefix.replace("\\", "\\\\").replace('"', '\\"')
    return (f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f'FILTER(STRSTARTS(STR(?g), "{prefix}") && ?g NOT IN ({kept})) }}')


# --- serve over a remote server -----------------------------------------------------------------


def run_remote(settings: Settings, endpoint: str) -> None:
    """``kemi-graph serve --sparql-endpoint URL``: the web front end over the server at ``endpoint``."""
    from kemi_graph.web.app import create_app
    from kemi_graph.web.serve import _Server, gunicorn_options

    store = RemoteStore(endpoint, timeout=settings.query_timeout, graph_prefix=Iris(settings.base_iri).graph_prefix)
    store.query("ASK { }")  # fails early, with the message, when the server is not there
    version = hashlib.sha256(f"{endpoint}\n{time.time()}".encode()).hexdigest()
    app = create_app(settings, store, dataset_version=version)  # type: ignore[arg-type]
    _Server(app, gunicorn_options(settings)).run()
