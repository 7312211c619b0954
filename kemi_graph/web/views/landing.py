"""The landing page ``/``: what the dataset holds, its strategic goals, and how to get at it."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from kemi_graph import formats
from kemi_graph.publish import schema_org
from kemi_graph.web import page_kit as pk
from kemi_graph.web.model.landing import landing
from kemi_graph.web.model.report import municipalities

bp = Blueprint("landing", __name__)


@bp.get("/")
def index() -> Response:
    ui, content = pk.languages()
    iris, store = pk.current_iris(), pk.current_store()

    def html() -> str:
        view = landing(store, iris)
        return render_template(
            "index.html",
            view=view,
            downloads=pk.dumps(),
            version=pk.dataset_version(),
            built=pk.current_state().built,
            reports=[(m, f"{request.script_root}/report/{m.value[len(iris.base) + len('/id/'):]}{pk.lang_query(ui, content)}") for m in municipalities(store) if m.value.startswith(iris.base + "/id/")],
            class_queries={c.cls.value: _class_query_url(c.cls.value) for c in view.classes},
            canonical=pk.current_settings().site_url + "/",
            jsonld=schema_org.dataset(store, iris.base),  # schema.org Dataset, for search engines
            **pk.context(ui, content),
        )

    # The landing page is HTML only; the data is at /sparql and /downloads.
    return pk.negotiated("/", (formats.HTML,), html, lambda: [])


def _class_query_url(class_iri: str) -> str:
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?element ?label WHERE {{\n  ?element a <{class_iri}> .\n"
        "  OPTIONAL { ?element skos:prefLabel ?label }\n} ORDER BY ?element ?label"
    )
    return request.script_root + "/sparql?" + urlencode({"query": query})
