"""What every page shares: the served data of the current generation, the interface and content
languages, links from IRIs to this server's pages, the template context, and the answer by
content negotiation (HTML or RDF, ETag and Last-Modified, 304, the rendered-page cache).

The server maps its own address to the base IRI: the path of a request (below the app's script
root) appended to ``settings.base_iri`` is the IRI shown, so ``http://127.0.0.1:5000/id/kemi``
shows ``{base}/id/kemi`` whatever the base is, and links on pages are local paths. Resources are
answered directly (200, ``Content-Location``, ``Vary: Accept``), never by a 303: see docs/web.md.

Pages reach the served data only through :func:`kemi_graph.web.sparql.state` (the current
generation), so a page follows a new build as the endpoint does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, render_template, request
from werkzeug.http import http_date

from kemi_graph import formats
from kemi_graph.config import Settings
from kemi_graph.namespaces import KG, ONTOLOGY_IRI, PREFIXES, SDG, Iris
from kemi_graph.web import sparql
from kemi_graph.web.conneg import NotAcceptable, negotiate
from kemi_graph.web.model.resource import as_triples, nearby
from kemi_graph.web.model.terms import Node, compact
from kemi_graph.web.response_cache import CachedResponse, response_key
from kemi_graph.web.ui_text import UI

# What a resource can be answered in, in the server's order of preference: a browser's
# "*/*" gets HTML; an RDF client names its format. Graph formats carry the triples; the
# dataset formats (TriG, N-Quads) also say which named graph each triple is in.
PAGE_FORMATS: tuple[formats.Format, ...] = (formats.HTML, *formats.GRAPH, *formats.DATASET)
RDF_FORMATS: tuple[formats.Format, ...] = (*formats.GRAPH, *formats.DATASET)

MAX_AGE = 300  # seconds; a new build changes the ETag, so a short max-age is enough
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
UI_LANGUAGES = ("en", "fi")
DEFAULT_UI = "en"
DEFAULT_CONTENT = "fi"  # the city's own words are Finnish; English is the project's translation

SDG_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]{0,31}")


def current_state() -> sparql.WebState:
    return sparql.state()


def current_settings() -> Settings:
    return current_state().settings


def current_store() -> ox.Store:
    return current_state().store


def current_iris() -> Iris:
    return Iris(current_settings().base_iri)


def dataset_version() -> str:
    """The served data's version (the build's content hash, or a hash of the data given to
    ``serve --data``): part of every ETag and cache key."""
    return current_state().dataset_version


def built_at() -> datetime | None:
    """When the served data was built (``build-info.json``), or None for data not made by a build."""
    built = current_state().built
    return datetime.fromisoformat(built) if built else None


def languages() -> tuple[str, str]:
    """(interface language, content language) from ``?lang=`` and ``?clang=``; unknown values fall back."""
    ui = request.args.get("lang", DEFAULT_UI)
    ui = ui if ui in UI_LANGUAGES else DEFAULT_UI
    content = request.args.get("clang") or (ui if "lang" in request.args else DEFAULT_CONTENT)
    content = content if content in UI_LANGUAGES else DEFAULT_CONTENT
    return ui, content


def lang_query(ui: str, content: str, **extra: str) -> str:
    """The query string that keeps the chosen languages (defaults are left out)."""
    pairs = []
    if ui != DEFAULT_UI:
        pairs.append(("lang", ui))
    default_content = ui if ui != DEFAULT_UI else DEFAULT_CONTENT
    if content != default_content:
        pairs.append(("clang", content))
    pairs.extend(extra.items())
    return ("?" + urlencode(pairs)) if pairs else ""


def local_path(iri: str, iris: Iris) -> str | None:
    """The app-relative path that shows ``iri`` on this server, or None for an IRI shown elsewhere."""
    if iris.is_local(iri):
        rest = iri[len(iris.base):]
        # '{base}//evil.example/x' is under the base, but as a link or redirect '//evil.example/x'
        # is another site's address: such an IRI has no page of its own here.
        return None if rest.startswith("//") else rest or "/"
    if iri == str(ONTOLOGY_IRI):
        return "/ontology"
    if iri.startswith(str(KG)):
        return "/ontology#" + iri[len(str(KG)):]
    if iri.startswith(str(SDG)) and SDG_CODE.fullmatch(iri[len(str(SDG)):]):
        return "/sdg/" + iri[len(str(SDG)):]
    return None


def href_factory(iris: Iris, ui: str, content: str) -> Any:
    root = request.script_root
    keep = lang_query(ui, content)

    def href(node: Node | str) -> str:
        iri = node if isinstance(node, str) else node.value
        path = local_path(iri, iris)
        if path is not None:
            if "#" in path:
                base, _, fragment = path.partition("#")
                return f"{root}{base}{keep}#{fragment}"
            return f"{root}{path}{keep}"
        if isinstance(node, Node) and node.known:
            return f"{root}/resource?" + urlencode({"iri": iri, **dict(keep_pairs(ui, content))})
        return iri

    return href


def keep_pairs(ui: str, content: str) -> list[tuple[str, str]]:
    query = lang_query(ui, content)
    if not query:
        return []
    return [tuple(pair.split("=", 1)) for pair in query[1:].split("&")]  # type: ignore[misc]


def context(ui: str, content: str, **extra: Any) -> dict[str, Any]:
    iris = current_iris()
    text = UI[ui]

    def t(key: str, **values: Any) -> str:
        return text.get(key, UI["en"].get(key, key)).format(**values)

    def content_switch(lang: str) -> str:
        pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "clang"]
        pairs.append(("clang", lang))
        return request.script_root + request.path + "?" + urlencode(pairs)

    return {
        "ui": ui,
        "clang": content,
        "t": t,
        "href": href_factory(iris, ui, content),
        "content_switch": content_switch,
        "root": request.script_root,
        "home": request.script_root + "/" + lang_query(ui, content),
        "keep": lang_query(ui, content),
        "licence": LICENCE,
        "compact": compact,
        **extra,
    }


def format_param() -> str | None:
    return request.args.get("format") or request.args.get("_format")


def alternates(path: str, candidates: tuple[formats.Format, ...]) -> list[tuple[formats.Format, str]]:
    """(format, URL) of each representation of the page at ``path`` (app-relative)."""
    return [(fmt, f"{request.script_root}{path}?format={fmt.name}") for fmt in candidates]


def link_header(path: str, candidates: tuple[formats.Format, ...], canonical: str | None) -> str:
    links = [f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for fmt, url in alternates(path, candidates)]
    if canonical:
        links.insert(0, f'<{canonical}>; rel="canonical"')
    return ", ".join(links)


def not_acceptable(error: NotAcceptable, path: str, candidates: tuple[formats.Format, ...]) -> Response:
    """406 (or 400 for an unknown ``format`` name), saying what would work."""
    code = 400 if error.unknown_format else 406
    lines = [f"{code} {'Bad Request' if code == 400 else 'Not Acceptable'}: {error}", "", "Available here:"]
    lines += [f"  {fmt.media_type:<28} format={fmt.name}" for fmt in candidates]
    response = Response("\n".join(lines) + "\n", status=code, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header(path, candidates, None)
    return response


def negotiated(
    path: str,
    candidates: tuple[formats.Format, ...],
    render_html: Any,
    rdf_quads: Any,
    canonical: str | None = None,
) -> Response:
    """Pick a format, answer 304 when the client has this version, else render.

    ``render_html()`` returns the page's HTML; ``rdf_quads()`` the description as quads.
    """
    try:
        fmt = negotiate(request.headers.get("Accept"), candidates, format_param())
    except NotAcceptable as error:
        return not_acceptable(error, path, candidates)
    etag = f"{dataset_version()[:32]}-{fmt.name}"
    modified = built_at()
    headers = {
        "Vary": "Accept",
        "Link": link_header(path, candidates, canonical),
        "Content-Location": f"{request.script_root}{path}?format={fmt.name}",
        "Cache-Control": f"public, max-age={MAX_AGE}",
    }
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    # If-Modified-Since counts only without If-None-Match (RFC 9110, 13.1.3).
    unmodified = (
        modified is not None
        and not request.if_none_match
        and request.if_modified_since is not None
        and modified <= request.if_modified_since
    )
    if request.if_none_match.contains(etag) or unmodified:
        response = Response(status=304, headers=headers)
        response.set_etag(etag)
        return response
    # The data changes only when it is built, so a rendered page is kept under the dataset's
    # version (in the endpoint's response cache) and served again without a query.
    cache = current_state().response_cache
    # Pages hold no absolute URL of the request (the public URL is a setting), only script-root paths.
    key = response_key(dataset_version(), "page " + request.full_path, (), (), fmt.name, request.script_root)
    cached = cache.get(key)
    if cached is not None:
        response = Response(cached.body, status=200, content_type=fmt.content_type, headers=headers)
        response.set_etag(etag)
        return response
    if fmt is formats.HTML:
        body: bytes | str = render_html()
    else:
        quads = rdf_quads()
        # Graph formats get the triples; the dataset formats (TriG, N-Quads) also keep each
        # triple's named graph. (JSON-LD could carry graphs too, but clients read it as a graph.)
        data: list[Any] = quads if fmt in formats.DATASET else as_triples(quads)
        prefixes = PREFIXES if fmt.name in formats.PREFIX_FORMATS else None
        # Nothing to say is still a document: '[]' in JSON-LD, an empty rdf:RDF element in RDF/XML.
        try:
            body = ox.serialize(data, format=fmt.rdf, prefixes=prefixes)
        except OSError as error:  # pyoxigraph: "JSON-LD does not support RDF 1.2 yet" (triple terms)
            others = tuple(c for c in candidates if c is not fmt)
            return not_acceptable(NotAcceptable(f"this description cannot be written as {fmt.media_type}: {error}", others), path, others)
    response = Response(body, status=200, content_type=fmt.content_type, headers=headers)
    response.set_etag(etag)
    cache.put(key, CachedResponse(response.get_data(), fmt.content_type, truncated=False))
    return response


def html_downloads(path: str) -> list[tuple[formats.Format, str]]:
    return alternates(path, RDF_FORMATS)


def iri_error(iri: str) -> str | None:
    """Why ``iri`` is no IRI (a space, '<', '{', a NUL, ...: pyoxigraph's message), or None."""
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        return str(error).encode("unicode_escape").decode("ascii")  # a NUL is named, not sent
    return None


def not_found_page(iri: str, ui: str, content: str) -> Response:
    similar = nearby(current_store(), iri)
    body = render_template("not_found.html", iri=iri, nearby=similar, canonical=None, **context(ui, content))
    response = Response(body, status=404, content_type=formats.HTML.content_type)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@dataclass(frozen=True)
class Dump:
    name: str  # path below the dist folder, e.g. "graphs/kemi-city.ttl"
    path: Path
    fmt: formats.Format
    size: int


def dumps_index() -> dict[str, Dump]:
    """The files the build wrote that may be downloaded, by name; nothing else is ever served."""
    dist = current_settings().dist_dir
    found: dict[str, Dump] = {}
    candidates = [("dataset.nq", formats.N_QUADS), ("dataset.trig", formats.TRIG)]
    graphs = dist / "graphs"
    if graphs.is_dir():
        candidates += [(f"graphs/{p.name}", formats.TURTLE) for p in sorted(graphs.iterdir()) if p.suffix == ".ttl"]
    for name, fmt in candidates:
        path = dist / name
        if path.is_file() and not path.is_symlink():
            found[name] = Dump(name, path, fmt, path.stat().st_size)
    return found


def dumps() -> list[Dump]:
    return list(dumps_index().values())


# The route /downloads/<name> is in kemi_graph.web.publication (with /downloads/, the checksums and the manifest).
