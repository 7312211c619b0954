"""SDG pages: ``/sdg/<code>``, an SDG goal, target or indicator (``http://metadata.un.org/sdg/<code>``)
with the strategy elements linked to it, in every municipality."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from werkzeug.exceptions import NotFound

from kemi_graph.namespaces import SDG
from kemi_graph.web import page_kit as pk
from kemi_graph.web.model.resource import description_quads
from kemi_graph.web.model.sdg import sdg

bp = Blueprint("sdg", __name__)


@bp.get("/sdg/<code>")
def sdg_page(code: str) -> Response:
    iris, store = pk.current_iris(), pk.current_store()
    ui, content = pk.languages()
    if not pk.SDG_CODE.fullmatch(code):
        raise NotFound(f"{code!r} is not an SDG goal, target or indicator code")
    iri = str(SDG) + code
    path = "/sdg/" + code
    view = sdg(store, iri, iris)
    if view is None:
        return pk.not_found_page(iri, ui, content)

    def html() -> str:
        return render_template(
            "sdg.html",
            view=view,
            downloads=pk.html_downloads(path),
            canonical=iri,
            page_path=path,
            **pk.context(ui, content),
        )

    return pk.negotiated(path, pk.PAGE_FORMATS, html, lambda: description_quads(store, iri), canonical=iri)
