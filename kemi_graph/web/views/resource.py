"""A resource's page: ``/id/<path>`` and ``/graph/<path>`` (IRIs under the base IRI) and
``/resource?iri=...`` (any IRI the store knows; one with a page of its own redirects there).
HTML or RDF by negotiation."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.exceptions import BadRequest, NotFound

from kemi_graph.publish import schema_org
from kemi_graph.web import page_kit as pk
from kemi_graph.web.model.resource import describe, description_quads
from kemi_graph.web.model.terms import KG_NS, Node, exists

bp = Blueprint("resource", __name__)


@bp.get("/id/<path:rest>")
def data_resource(rest: str) -> Response:
    return resource_page("/id/" + rest)


@bp.get("/graph/<path:rest>")
def graph_resource(rest: str) -> Response:
    return resource_page("/graph/" + rest)


def resource_page(path: str) -> Response:
    """The resource ``{base}{path}``: the request's path mapped onto the base IRI."""
    iris, store = pk.current_iris(), pk.current_store()
    iri = iris.base + path
    problem = pk.iri_error(iri)
    if problem:
        raise NotFound(f"{path!r} maps to {iri!r}, which is not an IRI ({problem}): nothing is published there")
    ui, content = pk.languages()
    if not exists(store, iri):
        return pk.not_found_page(iri, ui, content)

    def html() -> str:
        view = describe(store, iri, iris)
        return render_template(
            "resource.html",
            view=view,
            downloads=pk.html_downloads(path),
            canonical=iri,
            page_path=path,
            dump=_graph_dump(iri),
            report_link=_report_link(view.types, path),
            jsonld=schema_org.defined_term(store, iri),  # schema.org DefinedTerm of a strategy element
            **pk.context(ui, content),
        )

    return pk.negotiated(path, pk.PAGE_FORMATS, html, lambda: description_quads(store, iri), canonical=iri)


def _report_link(types: list[Node], path: str) -> str | None:
    """A municipality's page links to its follow-up report (``/id/<slug>`` -> ``/report/<slug>``)."""
    slug = path[len("/id/"):]
    if path.startswith("/id/") and "/" not in slug and any(t.value == KG_NS + "Municipality" for t in types):
        return f"{request.script_root}/report/{slug}{pk.lang_query(*pk.languages())}"
    return None


def _graph_dump(iri: str) -> str | None:
    """The download path of a named graph's Turtle dump, if the build wrote one."""
    from kemi_graph.publish.dumps import graph_file_stem

    name = f"graphs/{graph_file_stem(iri)}.ttl" if "/graph/" in iri else None
    if name and name in pk.dumps_index():
        return f"{request.script_root}/downloads/{name}"
    return None


@bp.get("/resource")
def any_resource() -> Response:
    """Any IRI the store knows, by ``?iri=``; an IRI with its own page redirects there."""
    iris, store = pk.current_iris(), pk.current_store()
    ui, content = pk.languages()
    iri = request.args.get("iri", "").strip()
    if not iri or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*", iri) or pk.iri_error(iri):
        raise BadRequest(f"iri: {iri!r} is not an absolute IRI; give one as ?iri=")
    path = pk.local_path(iri, iris)
    if path is not None:
        base, _, fragment = path.partition("#")
        extra = [(k, v) for k, v in request.args.items(multi=True) if k != "iri"]
        target = request.script_root + base + (("?" + urlencode(extra)) if extra else "") + (("#" + fragment) if fragment else "")
        return redirect(target, code=302)
    if not exists(store, iri):
        return pk.not_found_page(iri, ui, content)
    page_path = "/resource"

    def html() -> str:
        return render_template(
            "resource.html",
            view=describe(store, iri, iris),
            report_link=None,
            downloads=[(fmt, f"{request.script_root}/resource?" + urlencode({"iri": iri, "format": fmt.name})) for fmt in pk.RDF_FORMATS],
            canonical=iri,
            page_path=page_path,
            dump=None,
            **pk.context(ui, content),
        )

    response = pk.negotiated(page_path, pk.PAGE_FORMATS, html, lambda: description_quads(store, iri), canonical=iri)
    # The alternates of this page carry the iri parameter.
    response.headers["Link"] = ", ".join(
        [f'<{iri}>; rel="canonical"']
        + [
            f'<{request.script_root}/resource?{urlencode({"iri": iri, "format": fmt.name})}>; rel="alternate"; type="{fmt.media_type}"'
            for fmt in pk.PAGE_FORMATS
        ]
    )
    if response.status_code in (200, 304):
        fmt_name = response.headers["Content-Location"].rsplit("format=", 1)[-1]
        response.headers["Content-Location"] = f"{request.script_root}/resource?" + urlencode({"iri": iri, "format": fmt_name})
    return response
