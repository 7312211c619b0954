"""The ontology's page ``/ontology`` (``https://w3id.org/kemi-graph/ontology``): HTML or RDF."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from kemi_graph.namespaces import ONTOLOGY_IRI
from kemi_graph.web import page_kit as pk
from kemi_graph.web.model.ontology import ontology, ontology_quads

bp = Blueprint("ontology", __name__)


@bp.get("/ontology")
def ontology_page() -> Response:
    store = pk.current_store()
    ui, content = pk.languages()

    def html() -> str:
        return render_template(
            "ontology.html",
            view=ontology(store),
            downloads=pk.html_downloads("/ontology"),
            canonical=str(ONTOLOGY_IRI),
            page_path="/ontology",
            **pk.context(ui, content),
        )

    return pk.negotiated("/ontology", pk.PAGE_FORMATS, html, lambda: ontology_quads(store), canonical=str(ONTOLOGY_IRI))
