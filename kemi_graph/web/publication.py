"""Publication routes: the dataset description, the downloads, the sitemap and robots.txt.

Routes (the blueprint ``bp``; create_app registers it):

===========================  ==============================================================
``/.well-known/void``        the DCAT/VoID description (graph ``{base}/graph/description``):
                             RDF by negotiation; a browser gets the downloads page
``/dataset``, ``/catalog``   the dataset's and catalogue's IRIs, the same way
``/dataset/<path>``          a node of the description (a distribution, a partition, ...)
``/downloads/``              every file with format, size, triples and SHA-256 (HTML)
``/downloads/<name>``        one file, looked up by exact name among those the build wrote
``/ontology/<version>``      a version IRI of the ontology (``owl:versionIRI``): the ontology
``/sitemap.xml``             every resource page, for search engines
``/robots.txt``              crawl rules and the sitemap's address
===========================  ==============================================================

The files are those listed in ``dist/downloads.json`` (kemi_graph.publish.dumps) plus the
build's plain dumps; no request path is ever joined to a file path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, send_file
from werkzeug.exceptions import NotFound

from kemi_graph import formats
from kemi_graph.namespaces import ONTOLOGY_IRI, PREFIXES, SDGO
from kemi_graph.publish import description as desc
from kemi_graph.publish.dumps import CHECKSUMS, MANIFEST, Download, read_index
from kemi_graph.web import page_kit
from kemi_graph.web.views import ontology, resource

bp = Blueprint("publication", __name__)

SITEMAP_LIMIT = 50_000  # URLs in one sitemap file (sitemaps.org)

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Downloads",
        "intro": "The whole dataset and each named graph, gzip-compressed, in N-Quads, TriG, Turtle and JSON-LD; the tidy tables as CSV. Check a file with its SHA-256 checksum (sha256sum -c SHA256SUMS).",
        "description": "Dataset description (DCAT-AP, VoID)",
        "file": "File",
        "format": "Format",
        "size": "Size",
        "triples": "Triples",
        "checksum": "SHA-256",
        "holds": "Holds",
        "whole": "the whole dataset",
        "table": "table",
        "gzip": "gzip",
        "licence": "Licence",
        "publisher": "Publisher",
        "modified": "Modified",
        "checksums": "All checksums",
        "manifest": "Manifest (JSON)",
        "none": "Nothing has been built yet.",
    },
    "fi": {
        "title": "Lataukset",
        "intro": "Koko aineisto ja jokainen nimetty graafi gzip-pakattuina N-Quads-, TriG-, Turtle- ja JSON-LD-muodoissa; siistit taulukot CSV-muodossa. Tarkista tiedosto SHA-256-tarkisteella (sha256sum -c SHA256SUMS).",
        "description": "Aineiston kuvaus (DCAT-AP, VoID)",
        "file": "Tiedosto",
        "format": "Muoto",
        "size": "Koko",
        "triples": "Triplat",
        "checksum": "SHA-256",
        "holds": "Sisältö",
        "whole": "koko aineisto",
        "table": "taulukko",
        "gzip": "gzip",
        "licence": "Lisenssi",
        "publisher": "Julkaisija",
        "modified": "Muokattu",
        "checksums": "Kaikki tarkisteet",
        "manifest": "Luettelo (JSON)",
        "none": "Mitään ei ole vielä koottu.",
    },
}


# ---------------------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------------------


def downloads() -> dict[str, Download]:
    """Every downloadable file by name: the build's manifest, plus plain dumps a build without one wrote."""
    dist = page_kit.current_settings().dist_dir
    listed = {d.name: d for d in read_index(dist)}
    for name, dump in page_kit.dumps_index().items():
        listed.setdefault(name, Download(name, dump.fmt.media_type, dump.fmt.label, dump.size, ""))
    return dict(sorted(listed.items()))


def _file(name: str) -> tuple[Path, str, str] | None:
    """(path, Content-Type, ETag) of a downloadable file, or None."""
    dist = page_kit.current_settings().dist_dir
    if name in (CHECKSUMS, MANIFEST):
        path = dist / name
        content_type = "text/plain; charset=utf-8" if name == CHECKSUMS else "application/json"
        etag = f"{page_kit.dataset_version()[:32]}-{name}"
    else:
        download = downloads().get(name)
        if download is None:
            return None
        path, content_type = dist / download.name, download.transfer_type
        etag = download.sha256 or f"{page_kit.dataset_version()[:32]}-{name}"
    if not path.is_file() or path.is_symlink():
        return None
    return path, content_type, etag


@bp.get("/downloads/<path:name>")
def download(name: str) -> Response:
    """One file of the build, looked up by exact name (a gzip file is sent as application/gzip, never decoded)."""
    found = _file(name)
    if found is None:
        raise NotFound(f"no download called {name!r}; the downloads are listed at /downloads/")
    path, content_type, etag = found
    # conditional: If-None-Match/If-Modified-Since get a 304, Range (and If-Range) a 206.
    response = send_file(path, mimetype=content_type.split(";")[0], etag=etag, conditional=True, max_age=page_kit.MAX_AGE)
    response.headers["Cache-Control"] = f"public, max-age={page_kit.MAX_AGE}"
    if response.status_code != 304:
        response.headers["Content-Type"] = content_type
        response.headers["Content-Disposition"] = f'inline; filename="{path.name}"'
    return response


# ---------------------------------------------------------------------------------------
# The description
# ---------------------------------------------------------------------------------------


def description_quads(store: ox.Store, base_iri: str) -> list[ox.Quad]:
    graph = ox.NamedNode(desc.description_graph(base_iri))
    return sorted(store.quads_for_pattern(None, None, None, graph), key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))


def _summary(quads: list[ox.Quad], base_iri: str, lang: str) -> dict[str, Any]:
    """What the downloads page says about the dataset, from its description."""
    dataset = desc.dataset_iri(base_iri)
    about: dict[str, list[Any]] = {}
    for quad in quads:
        if quad.subject.value == dataset:
            about.setdefault(quad.predicate.value, []).append(quad.object)

    def text(predicate: str) -> str | None:
        values = about.get(predicate, [])
        for wanted in (lang, "en", "fi"):
            for value in values:
                if isinstance(value, ox.Literal) and value.language == wanted:
                    return value.value
        return values[0].value if values else None

    publisher = text(desc.DCT + "publisher")
    names = [q.object for q in quads if q.subject.value == publisher and q.predicate.value == desc.FOAF + "name"]
    return {
        "iri": dataset,
        "title": text(desc.DCT + "title"),
        "description": text(desc.DCT + "description"),
        "licence": text(desc.DCT + "license"),
        "modified": text(desc.DCT + "modified"),
        "publisher": publisher,
        "publisher_name": next((n.value for n in names if getattr(n, "language", None) == lang), names[0].value if names else publisher),
        "triples": text(desc.VOID + "triples"),
    }


def _downloads_page(quads: list[ox.Quad] | None = None) -> str:
    settings, store = page_kit.current_settings(), page_kit.current_store()
    ui, content = page_kit.languages()
    quads = description_quads(store, settings.base_iri) if quads is None else quads
    text = TEXT[ui]
    return render_template(
        "downloads.html",
        files=list(downloads().values()),
        summary=_summary(quads, settings.base_iri, ui) if quads else None,
        p=lambda key: text.get(key, TEXT["en"][key]),
        checksums=CHECKSUMS,
        manifest=MANIFEST,
        canonical=None,
        **page_kit.context(ui, content),
    )


@bp.get("/downloads/")
def downloads_page() -> Response:
    response = Response(_downloads_page(), content_type=formats.HTML.content_type)
    response.headers["Cache-Control"] = f"public, max-age={page_kit.MAX_AGE}"
    return response


def _description_response(path: str) -> Response:
    settings, store = page_kit.current_settings(), page_kit.current_store()
    quads = description_quads(store, settings.base_iri)
    if not quads:
        raise NotFound("this store has no dataset description (graph {base}/graph/description): it was not made by 'kemi-graph build'")
    return page_kit.negotiated(path, page_kit.PAGE_FORMATS, lambda: _downloads_page(quads), lambda: quads, canonical=desc.dataset_iri(settings.base_iri))


@bp.get("/.well-known/void")
def void() -> Response:
    """The VoID/DCAT description (the well-known location of RFC 8615 and the VoID guide, section 7)."""
    return _description_response("/.well-known/void")


@bp.get("/dataset")
def dataset() -> Response:
    return _description_response("/dataset")


@bp.get("/dataset/<path:rest>")
def dataset_node(rest: str) -> Response:
    return resource.resource_page("/dataset/" + rest)


@bp.get("/catalog")
def catalog() -> Response:
    return resource.resource_page("/catalog")


@bp.get("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """A version IRI of the ontology (``owl:versionIRI``) answers the ontology it names, by negotiation."""
    store = page_kit.current_store()
    problem = page_kit.iri_error(f"{ONTOLOGY_IRI}/{version}")
    if problem:
        raise NotFound(f"{version!r} is not a version of the ontology ({problem}); the current one is at /ontology")
    version_iri = ox.NamedNode(f"{ONTOLOGY_IRI}/{version}")
    predicate = ox.NamedNode(PREFIXES["owl"] + "versionIRI")
    if not any(True for _ in store.quads_for_pattern(ox.NamedNode(str(ONTOLOGY_IRI)), predicate, version_iri, None)):
        raise NotFound(f"{version_iri.value} is not a version of the ontology in this store; the current one is at /ontology")
    return ontology.ontology_page()


# ---------------------------------------------------------------------------------------
# Search engines
# ---------------------------------------------------------------------------------------


def _page_paths(store: ox.Store) -> list[str]:
    """The app-relative path of every resource page the store has, sorted."""
    iris = page_kit.current_iris()
    paths = {"/", "/ontology", "/downloads/", "/sparql", "/queries"}
    rows = store.query("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }")
    for row in rows:
        iri = row["s"].value
        if iri.startswith(str(SDGO)):
            continue
        path = page_kit.local_path(iri, iris)
        if path and "#" not in path and path.startswith(("/id/", "/graph/", "/sdg/", "/dataset")):
            paths.add(path)
    for graph in store.named_graphs():
        path = page_kit.local_path(graph.value, iris) if isinstance(graph, ox.NamedNode) else None
        if path and path.startswith("/graph/"):
            paths.add(path)
    return sorted(paths)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    settings, store = page_kit.current_settings(), page_kit.current_store()
    modified = None
    for quad in store.quads_for_pattern(ox.NamedNode(desc.dataset_iri(settings.base_iri)), ox.NamedNode(desc.DCT + "modified"), None, None):
        modified = quad.object.value
    site = settings.site_url
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in _page_paths(store)[:SITEMAP_LIMIT]:
        url = escape(site + quote(path, safe="/:@!$&'()*+,;=-._~%"))
        lines.append(f"  <url><loc>{url}</loc>" + (f"<lastmod>{escape(modified)}</lastmod>" if modified else "") + "</url>")
    lines.append("</urlset>")
    response = Response("\n".join(lines) + "\n", content_type="application/xml; charset=utf-8")
    response.headers["Cache-Control"] = f"public, max-age={page_kit.MAX_AGE}"
    return response


@bp.get("/robots.txt")
def robots() -> Response:
    body = "\n".join(
        [
            "User-agent: *",
            "Disallow: /sparql",  # queries are for programs, and every link to one is a new URL
            "Disallow: /resource",  # IRIs of other sites, by parameter
            "Allow: /",
            f"Sitemap: {page_kit.current_settings().site_url}/sitemap.xml",
        ]
    )
    return Response(body + "\n", content_type="text/plain; charset=utf-8")

