"""SDG pages: ``/sdg``, the 17 goals with the number of elements linked to each (stated by the
city, suggested by the project, inherited from a broader element: apart), and ``/sdg/<code>``, an
SDG goal, target or indicator (``http://metadata.un.org/sdg/<code>``) with the strategy elements
linked to it, in every municipality."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from werkzeug.exceptions import NotFound

from kemi_graph import formats
from kemi_graph.namespaces import SDG
from kemi_graph.web import page_kit as pk
from kemi_graph.web.model.resource import description_quads
from kemi_graph.web.model.sdg import dashboard, sdg
from kemi_graph.web.model.terms import exists

bp = Blueprint("sdg", __name__)


@bp.get("/sdg")
def sdg_dashboard() -> Response:
    iris, store = pk.current_iris(), pk.current_store()
    ui, content = pk.languages()

    def html() -> str:
        return render_template("sdg_index.html", tiles=dashboard(store, iris), canonical=None, **pk.context(ui, content))

    # HTML only: the links themselves are data at /sparql (query sdg-links) and in the dumps.
    return pk.negotiated("/sdg", (formats.HTML,), html, lambda: [])


@bp.get("/sdg/<code>")
def sdg_page(code: str) -> Response:
    iris, store = pk.current_iris(), pk.current_store()
    ui, content = pk.languages()
    if not pk.SDG_CODE.fullmatch(code):
        raise NotFound(f"{code!r} is not an SDG goal, target or indicator code")
    iri = str(SDG) + code
    path = "/sdg/" + code
    if not exists(store, iri):
        return pk.not_found_page(iri, ui, content)

    # Gathered only when the page is not in the cache: it is the costly part (tens of ms).
    def html() -> str:
        return render_template(
            "sdg.html",
            view=sdg(store, iri, iris),
            downloads=pk.html_downloads(path),
            canonical=iri,
            page_path=path,
            **pk.context(ui, content),
        )

    return pk.negotiated(path, pk.PAGE_FORMATS, html, lambda: description_quads(store, iri), canonical=iri)
