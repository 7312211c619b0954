"""Linked-data pages: every IRI under the base IRI, the ontology, SDG goals, the landing page, the dumps.

Routes (the blueprint ``bp``; create_app registers it):

==========================  ==========================================================
``/``                       the dataset's landing page (HTML)
``/id/<path>``              a data resource ``{base}/id/<path>``: HTML or RDF by negotiation
``/graph/<path>``           a named graph's IRI ``{base}/graph/<path>``, the same way
``/ontology``               the ontology (``https://w3id.org/kemi-graph/ontology``): HTML or RDF
``/sdg/<code>``             an SDG goal, target or indicator (``http://metadata.un.org/sdg/<code>``)
``/resource?iri=...``       any IRI the store knows; IRIs with a page of their own redirect to it
``/downloads/…``            the dumps: see kemi_graph.web.publication
==========================  ==========================================================

The server maps its own address to the base IRI: the path of a request (below the app's script
root) appended to ``settings.base_iri`` is the IRI shown, so ``http://127.0.0.1:5000/id/kemi``
shows ``{base}/id/kemi`` whatever the base is, and links on pages are local paths. Resources are
answered directly (200, ``Content-Location``, ``Vary: Accept``), never by a 303: see docs/web.md.

Every query binds its values through pyoxigraph substitutions (kemi_graph.web.resource_view);
nothing from a request is pasted into SPARQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.http import http_date

from kemi_graph import formats
from kemi_graph.config import Settings
from kemi_graph.namespaces import KG, ONTOLOGY_IRI, PREFIXES, SDG, Iris
from kemi_graph.publish import schema_org
from kemi_graph.web import resource_view as rv
from kemi_graph.web.response_cache import CachedResponse, response_key
from kemi_graph.web.conneg import NotAcceptable, negotiate
from kemi_graph.web import sparql

bp = Blueprint("pages", __name__)


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

_SDG_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]{0,31}")

# Interface text, kept apart from the data's labels (which come from the store in fi/en).
UI: dict[str, dict[str, str]] = {
    "en": {
        "site": "kemi-graph",
        "skip": "Skip to content",
        "home": "Home",
        "sparql": "SPARQL",
        "queries": "Queries",
        "compare": "Compare",
        "ontology": "Ontology",
        "licence_text": "Data and ontology: CC BY 4.0. Source document: City of Kemi.",
        "interface": "Interface language",
        "content_language": "Labels in",
        "type": "Type",
        "iri": "IRI",
        "properties": "Properties",
        "inferred_properties": "Inferred by OWL-RL",
        "incoming": "Referred to by",
        "inferred_incoming": "Referred to by (inferred)",
        "sdgs": "Sustainable Development Goals",
        "stated": "Stated by the city",
        "suggested": "Suggested by the project",
        "inherited": "Inherited from a broader element",
        "linked": "Linked",
        "source": "In the source document",
        "part": "Part",
        "column": "Column",
        "row": "Row",
        "block": "Block",
        "line": "Line",
        "sentence": "Sentence",
        "column_headings": "Column headings",
        "printed": "Printed text",
        "downloads": "Download this description",
        "graph_legend": "Badges name the graph a statement is in: the city's own statement, the project's interpretation, or an OWL-RL inference.",
        "city": "city",
        "interpretation": "interpretation",
        "suggestions": "suggestion",
        "inferred": "inferred",
        "ontology_graph": "ontology",
        "sdg-goals": "SDG goals",
        "default": "default graph",
        "other": "graph",
        "named_graph": "This IRI names a graph of {n} triples.",
        "dataset_title": "Municipal strategy as linked data",
        "intro": "A municipality's strategy and its yearly follow-up as a validated, reasoned knowledge graph linked to the UN Sustainable Development Goals. The city's own words are kept verbatim and traceable to the source document; translations, parsed targets and statuses are the project's interpretation, kept in a separate named graph.",
        "goals": "Strategic goals",
        "objectives_n": "{n} objectives",
        "no_sdg": "no SDG printed in the source",
        "counts": "Contents",
        "graphs": "Named graphs",
        "triples": "triples",
        "classes": "Elements per class",
        "class": "Class",
        "count": "Count",
        "list": "list",
        "access": "Access",
        "endpoint_text": "SPARQL 1.1 endpoint",
        "dumps": "Dumps",
        "whole_dataset": "the whole dataset",
        "all_downloads": "All downloads, compressed, with checksums",
        "version": "Dataset version",
        "built": "built",
        "not_found": "Not found",
        "not_found_text": "Nothing is known about this IRI in this graph.",
        "nearby": "Resources with a similar IRI",
        "try": "Try the landing page, the ontology or a SPARQL query.",
        "terms": "Terms",
        "definition": "Definition",
        "classes_section": "Classes",
        "object-properties": "Object properties",
        "datatype-properties": "Datatype properties",
        "annotation-properties": "Annotation properties",
        "schemes": "Concept schemes",
        "concepts": "Concepts (statuses and columns)",
        "other_terms": "Other terms",
        "related_elements": "Elements of the strategy linked to this goal",
        "none_linked": "No element is linked to it.",
        "un_iri": "UN SDG KOS IRI",
        "all_formats": "Formats",
        "total": "total",
    },
    "fi": {
        "site": "kemi-graph",
        "skip": "Siirry sisältöön",
        "home": "Etusivu",
        "sparql": "SPARQL",
        "queries": "Kyselyt",
        "compare": "Vertaa",
        "ontology": "Ontologia",
        "licence_text": "Data ja ontologia: CC BY 4.0. Lähdeasiakirja: Kemin kaupunki.",
        "interface": "Käyttöliittymän kieli",
        "content_language": "Nimikkeet kielellä",
        "type": "Tyyppi",
        "iri": "IRI",
        "properties": "Ominaisuudet",
        "inferred_properties": "OWL-RL-päättelyn tulokset",
        "incoming": "Viittaukset tähän",
        "inferred_incoming": "Viittaukset tähän (päätelty)",
        "sdgs": "Kestävän kehityksen tavoitteet",
        "stated": "Kaupungin ilmoittamat",
        "suggested": "Projektin ehdottamat",
        "inherited": "Peritty ylemmältä tasolta",
        "linked": "Linkitetyt",
        "source": "Lähdeasiakirjassa",
        "part": "Osa",
        "column": "Sarake",
        "row": "Rivi",
        "block": "Lohko",
        "line": "Tiedoston rivi",
        "sentence": "Virke",
        "column_headings": "Sarakeotsikot",
        "printed": "Painettu teksti",
        "downloads": "Lataa tämä kuvaus",
        "graph_legend": "Merkit kertovat, missä graafissa väite on: kaupungin oma ilmoitus, projektin tulkinta vai OWL-RL-päättely.",
        "city": "kaupunki",
        "interpretation": "tulkinta",
        "suggestions": "ehdotus",
        "inferred": "päätelty",
        "ontology_graph": "ontologia",
        "sdg-goals": "SDG-tavoitteet",
        "default": "oletusgraafi",
        "other": "graafi",
        "named_graph": "Tämä IRI nimeää graafin, jossa on {n} triplaa.",
        "dataset_title": "Kunnan strategia linkitettynä datana",
        "intro": "Kunnan strategia ja sen vuosittainen seuranta validoituna ja päättelyllä täydennettynä tietograafina, joka on linkitetty YK:n kestävän kehityksen tavoitteisiin. Kaupungin oma teksti säilyy sanatarkasti ja jäljitettävästi lähdeasiakirjaan; käännökset, jäsennetyt tavoitetasot ja tilat ovat projektin tulkintaa omassa nimetyssä graafissaan.",
        "goals": "Strategiset päämäärät",
        "objectives_n": "{n} tavoitetta",
        "no_sdg": "lähteessä ei SDG-merkintää",
        "counts": "Sisältö",
        "graphs": "Nimetyt graafit",
        "triples": "triplaa",
        "classes": "Osia luokittain",
        "class": "Luokka",
        "count": "Määrä",
        "list": "luettelo",
        "access": "Käyttö",
        "endpoint_text": "SPARQL 1.1 -rajapinta",
        "dumps": "Tiedostot",
        "whole_dataset": "koko aineisto",
        "all_downloads": "Kaikki lataukset pakattuina, tarkisteineen",
        "version": "Aineiston versio",
        "built": "koottu",
        "not_found": "Ei löydy",
        "not_found_text": "Tästä IRI:stä ei ole tietoa tässä graafissa.",
        "nearby": "Resursseja, joiden IRI on samankaltainen",
        "try": "Kokeile etusivua, ontologiaa tai SPARQL-kyselyä.",
        "terms": "Termit",
        "definition": "Määritelmä",
        "classes_section": "Luokat",
        "object-properties": "Objektiominaisuudet",
        "datatype-properties": "Arvo-ominaisuudet",
        "annotation-properties": "Annotaatio-ominaisuudet",
        "schemes": "Käsitejärjestelmät",
        "concepts": "Käsitteet (tilat ja sarakkeet)",
        "other_terms": "Muut termit",
        "related_elements": "Strategian osat, jotka on linkitetty tähän tavoitteeseen",
        "none_linked": "Mitään osaa ei ole linkitetty tähän.",
        "un_iri": "YK:n SDG KOS -tunniste",
        "all_formats": "Muodot",
        "total": "yhteensä",
    },
}


# ---------------------------------------------------------------------------------------
# Per-app state
# ---------------------------------------------------------------------------------------


def _state() -> sparql.WebState:
    return sparql.state()


def _settings() -> Settings:
    return _state().settings


def _store() -> ox.Store:
    return _state().store


def _iris() -> Iris:
    return Iris(_settings().base_iri)


def dataset_version() -> str:
    """The served data's version (the build's content hash, or a hash of the data given to
    ``serve --data``): part of every ETag and cache key."""
    return _state().dataset_version


def built_at() -> datetime | None:
    """When the served data was built (``build-info.json``), or None for data not made by a build."""
    built = _state().built
    return datetime.fromisoformat(built) if built else None


# ---------------------------------------------------------------------------------------
# Languages, links and template helpers
# ---------------------------------------------------------------------------------------


def _languages() -> tuple[str, str]:
    """(interface language, content language) from ``?lang=`` and ``?clang=``; unknown values fall back."""
    ui = request.args.get("lang", DEFAULT_UI)
    ui = ui if ui in UI_LANGUAGES else DEFAULT_UI
    content = request.args.get("clang") or (ui if "lang" in request.args else DEFAULT_CONTENT)
    content = content if content in UI_LANGUAGES else DEFAULT_CONTENT
    return ui, content


def _lang_query(ui: str, content: str, **extra: str) -> str:
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
    if iri.startswith(str(SDG)) and _SDG_CODE.fullmatch(iri[len(str(SDG)):]):
        return "/sdg/" + iri[len(str(SDG)):]
    return None


def _href_factory(iris: Iris, ui: str, content: str) -> Any:
    root = request.script_root
    keep = _lang_query(ui, content)

    def href(node: rv.Node | str) -> str:
        iri = node if isinstance(node, str) else node.value
        path = local_path(iri, iris)
        if path is not None:
            if "#" in path:
                base, _, fragment = path.partition("#")
                return f"{root}{base}{keep}#{fragment}"
            return f"{root}{path}{keep}"
        if isinstance(node, rv.Node) and node.known:
            return f"{root}/resource?" + urlencode({"iri": iri, **dict(_keep_pairs(ui, content))})
        return iri

    return href


def _keep_pairs(ui: str, content: str) -> list[tuple[str, str]]:
    query = _lang_query(ui, content)
    if not query:
        return []
    return [tuple(pair.split("=", 1)) for pair in query[1:].split("&")]  # type: ignore[misc]


def _context(ui: str, content: str, **extra: Any) -> dict[str, Any]:
    iris = _iris()
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
        "href": _href_factory(iris, ui, content),
        "content_switch": content_switch,
        "root": request.script_root,
        "home": request.script_root + "/" + _lang_query(ui, content),
        "keep": _lang_query(ui, content),
        "licence": LICENCE,
        "compact": rv.compact,
        **extra,
    }


# ---------------------------------------------------------------------------------------
# Negotiation, caching headers
# ---------------------------------------------------------------------------------------


def _format_param() -> str | None:
    return request.args.get("format") or request.args.get("_format")


def _alternates(path: str, candidates: tuple[formats.Format, ...]) -> list[tuple[formats.Format, str]]:
    """(format, URL) of each representation of the page at ``path`` (app-relative)."""
    return [(fmt, f"{request.script_root}{path}?format={fmt.name}") for fmt in candidates]


def _link_header(path: str, candidates: tuple[formats.Format, ...], canonical: str | None) -> str:
    links = [f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for fmt, url in _alternates(path, candidates)]
    if canonical:
        links.insert(0, f'<{canonical}>; rel="canonical"')
    return ", ".join(links)


def _not_acceptable(error: NotAcceptable, path: str, candidates: tuple[formats.Format, ...]) -> Response:
    """406 (or 400 for an unknown ``format`` name), saying what would work."""
    code = 400 if error.unknown_format else 406
    lines = [f"{code} {'Bad Request' if code == 400 else 'Not Acceptable'}: {error}", "", "Available here:"]
    lines += [f"  {fmt.media_type:<28} format={fmt.name}" for fmt in candidates]
    response = Response("\n".join(lines) + "\n", status=code, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _link_header(path, candidates, None)
    return response


def _negotiated(
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
        fmt = negotiate(request.headers.get("Accept"), candidates, _format_param())
    except NotAcceptable as error:
        return _not_acceptable(error, path, candidates)
    etag = f"{dataset_version()[:32]}-{fmt.name}"
    modified = built_at()
    headers = {
        "Vary": "Accept",
        "Link": _link_header(path, candidates, canonical),
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
    cache = _state().response_cache
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
        data: list[Any] = quads if fmt in formats.DATASET else rv.as_triples(quads)
        prefixes = PREFIXES if fmt.name in formats.PREFIX_FORMATS else None
        # Nothing to say is still a document: '[]' in JSON-LD, an empty rdf:RDF element in RDF/XML.
        try:
            body = ox.serialize(data, format=fmt.rdf, prefixes=prefixes)
        except OSError as error:  # pyoxigraph: "JSON-LD does not support RDF 1.2 yet" (triple terms)
            others = tuple(c for c in candidates if c is not fmt)
            return _not_acceptable(NotAcceptable(f"this description cannot be written as {fmt.media_type}: {error}", others), path, others)
    response = Response(body, status=200, content_type=fmt.content_type, headers=headers)
    response.set_etag(etag)
    cache.put(key, CachedResponse(response.get_data(), fmt.content_type, truncated=False))
    return response


def _html_downloads(path: str) -> list[tuple[formats.Format, str]]:
    return _alternates(path, RDF_FORMATS)


# ---------------------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    ui, content = _languages()
    iris, store = _iris(), _store()

    def html() -> str:
        view = rv.landing(store, iris)
        return render_template(
            "index.html",
            view=view,
            downloads=_dumps(),
            version=dataset_version(),
            built=_state().built,
            class_queries={c.cls.value: _class_query_url(c.cls.value) for c in view.classes},
            canonical=_settings().site_url + "/",
            jsonld=schema_org.dataset(store, iris.base),  # schema.org Dataset, for search engines
            **_context(ui, content),
        )

    # The landing page is HTML only; the data is at /sparql and /downloads.
    return _negotiated("/", (formats.HTML,), html, lambda: [])


def _class_query_url(class_iri: str) -> str:
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?element ?label WHERE {{\n  ?element a <{class_iri}> .\n"
        "  OPTIONAL { ?element skos:prefLabel ?label }\n} ORDER BY ?element ?label"
    )
    return request.script_root + "/sparql?" + urlencode({"query": query})


@bp.get("/id/<path:rest>")
def data_resource(rest: str) -> Response:
    return _resource_page("/id/" + rest)


@bp.get("/graph/<path:rest>")
def graph_resource(rest: str) -> Response:
    return _resource_page("/graph/" + rest)


def iri_error(iri: str) -> str | None:
    """Why ``iri`` is no IRI (a space, '<', '{', a NUL, ...: pyoxigraph's message), or None."""
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        return str(error).encode("unicode_escape").decode("ascii")  # a NUL is named, not sent
    return None


def _resource_page(path: str) -> Response:
    """The resource ``{base}{path}``: the request's path mapped onto the base IRI."""
    iris, store = _iris(), _store()
    iri = iris.base + path
    problem = iri_error(iri)
    if problem:
        raise NotFound(f"{path!r} maps to {iri!r}, which is not an IRI ({problem}): nothing is published there")
    ui, content = _languages()
    if not rv.exists(store, iri):
        return _not_found(iri, ui, content)

    def html() -> str:
        view = rv.describe(store, iri, iris)
        return render_template(
            "resource.html",
            view=view,
            downloads=_html_downloads(path),
            canonical=iri,
            page_path=path,
            dump=_graph_dump(iri),
            jsonld=schema_org.defined_term(store, iri),  # schema.org DefinedTerm of a strategy element
            **_context(ui, content),
        )

    return _negotiated(path, PAGE_FORMATS, html, lambda: rv.description_quads(store, iri), canonical=iri)


def _graph_dump(iri: str) -> str | None:
    """The download path of a named graph's Turtle dump, if the build wrote one."""
    from kemi_graph.publish.dumps import graph_file_stem

    name = f"graphs/{graph_file_stem(iri)}.ttl" if "/graph/" in iri else None
    if name and name in _dumps_index():
        return f"{request.script_root}/downloads/{name}"
    return None


def _not_found(iri: str, ui: str, content: str) -> Response:
    nearby = rv.nearby(_store(), iri)
    body = render_template("not_found.html", iri=iri, nearby=nearby, canonical=None, **_context(ui, content))
    response = Response(body, status=404, content_type=formats.HTML.content_type)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@bp.get("/ontology")
def ontology_page() -> Response:
    store = _store()
    ui, content = _languages()

    def html() -> str:
        return render_template(
            "ontology.html",
            view=rv.ontology(store),
            downloads=_html_downloads("/ontology"),
            canonical=str(ONTOLOGY_IRI),
            page_path="/ontology",
            **_context(ui, content),
        )

    return _negotiated("/ontology", PAGE_FORMATS, html, lambda: rv.ontology_quads(store), canonical=str(ONTOLOGY_IRI))


@bp.get("/sdg/<code>")
def sdg_page(code: str) -> Response:
    iris, store = _iris(), _store()
    ui, content = _languages()
    if not _SDG_CODE.fullmatch(code):
        raise NotFound(f"{code!r} is not an SDG goal, target or indicator code")
    iri = str(SDG) + code
    path = "/sdg/" + code
    view = rv.sdg(store, iri, iris)
    if view is None:
        return _not_found(iri, ui, content)

    def html() -> str:
        return render_template(
            "sdg.html",
            view=view,
            downloads=_html_downloads(path),
            canonical=iri,
            page_path=path,
            **_context(ui, content),
        )

    return _negotiated(path, PAGE_FORMATS, html, lambda: rv.description_quads(store, iri), canonical=iri)


@bp.get("/resource")
def any_resource() -> Response:
    """Any IRI the store knows, by ``?iri=``; an IRI with its own page redirects there."""
    iris, store = _iris(), _store()
    ui, content = _languages()
    iri = request.args.get("iri", "").strip()
    if not iri or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*", iri) or iri_error(iri):
        raise BadRequest(f"iri: {iri!r} is not an absolute IRI; give one as ?iri=")
    path = local_path(iri, iris)
    if path is not None:
        base, _, fragment = path.partition("#")
        extra = [(k, v) for k, v in request.args.items(multi=True) if k != "iri"]
        target = request.script_root + base + (("?" + urlencode(extra)) if extra else "") + (("#" + fragment) if fragment else "")
        return redirect(target, code=302)
    if not rv.exists(store, iri):
        return _not_found(iri, ui, content)
    page_path = "/resource"

    def html() -> str:
        return render_template(
            "resource.html",
            view=rv.describe(store, iri, iris),
            downloads=[(fmt, f"{request.script_root}/resource?" + urlencode({"iri": iri, "format": fmt.name})) for fmt in RDF_FORMATS],
            canonical=iri,
            page_path=page_path,
            dump=None,
            **_context(ui, content),
        )

    response = _negotiated(page_path, PAGE_FORMATS, html, lambda: rv.description_quads(store, iri), canonical=iri)
    # The alternates of this page carry the iri parameter.
    response.headers["Link"] = ", ".join(
        [f'<{iri}>; rel="canonical"']
        + [
            f'<{request.script_root}/resource?{urlencode({"iri": iri, "format": fmt.name})}>; rel="alternate"; type="{fmt.media_type}"'
            for fmt in PAGE_FORMATS
        ]
    )
    if response.status_code in (200, 304):
        fmt_name = response.headers["Content-Location"].rsplit("format=", 1)[-1]
        response.headers["Content-Location"] = f"{request.script_root}/resource?" + urlencode({"iri": iri, "format": fmt_name})
    return response


# ---------------------------------------------------------------------------------------
# Dumps
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dump:
    name: str  # path below the dist folder, e.g. "graphs/kemi-city.ttl"
    path: Path
    fmt: formats.Format
    size: int


def _dumps_index() -> dict[str, Dump]:
    """The files the build wrote that may be downloaded, by name; nothing else is ever served."""
    dist = _settings().dist_dir
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


def _dumps() -> list[Dump]:
    return list(_dumps_index().values())


# The route /downloads/<name> is in kemi_graph.web.publication (with /downloads/, the checksums and the manifest).
