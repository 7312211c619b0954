"""Linked-data pages: dereferencing, content negotiation, caching, escaping, the base-IRI mapping, downloads.

Most tests use one app over a full build of the Kemi data (``built_settings``); the escaping and
base-IRI tests build a tiny store of their own and hand it to ``create_app``.
"""

from __future__ import annotations

import html
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib

from kemi_graph.config import Settings
from kemi_graph.namespaces import KG

BASE = "https://w3id.org/kemi-graph"
GOAL = "/id/kemi/kaupunkistrategia/goal/elinvoimainen-kaupunki"
SDG_GOALS_OF_GOAL = (3, 6, 7, 8, 9, 11, 12, 13, 14, 15)  # printed beside ELINVOIMAINEN KAUPUNKI

# Accept header → (Content-Type media type, rdflib parser name).
RDF_BY_ACCEPT = {
    "text/turtle": ("text/turtle", "turtle"),
    "application/ld+json": ("application/ld+json", "json-ld"),
    "application/rdf+xml": ("application/rdf+xml", "xml"),
    "application/n-triples": ("application/n-triples", "nt"),
}
CLASSES = ("StrategicGoal", "Objective", "Action", "Indicator", "Result", "Responsibility")


def _store(app: Any) -> ox.Store:
    return app.extensions["kemi_graph"].current().store


def _resources_of(app: Any, cls: str, n: int = 2) -> list[str]:
    """The first ``n`` resources of a class (asserted in the city graph), by IRI."""
    rows = _store(app).query(
        "SELECT DISTINCT ?c ?s WHERE { GRAPH ?g { ?s a ?c } FILTER(STRENDS(STR(?g), '/city')) } ORDER BY ?s LIMIT " + str(n),
        substitutions={ox.Variable("c"): ox.NamedNode(str(KG) + cls)},
        use_default_graph_as_union=True,
    )
    return [row["s"].value for row in rows]


def _subject_triples(app: Any, iri: str) -> set[tuple[str, str]]:
    rows = _store(app).query(
        "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }",
        substitutions={ox.Variable("s"): ox.NamedNode(iri)},
        use_default_graph_as_union=True,
    )
    return {(row["p"].value, row["o"].value) for row in rows}


def _fi_label(app: Any, iri: str) -> str | None:
    rows = list(
        _store(app).query(
            "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = 'fi') }",
            substitutions={ox.Variable("s"): ox.NamedNode(iri)},
            use_default_graph_as_union=True,
        )
    )
    return rows[0]["l"].value if rows else None


# ---------------------------------------------------------------------------------------
# Each class: HTML and every RDF format
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
def test_resources_of_each_class_answer_html_with_their_finnish_label(app: Any, client: Any, cls: str) -> None:
    iris = _resources_of(app, cls)
    assert iris, f"no {cls} in the built graph"
    for iri in iris:
        response = client.get(iri[len(BASE):], headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.content_type == "text/html; charset=utf-8"
        body = response.get_data(as_text=True)
        label = _fi_label(app, iri)
        if label:  # the element's verbatim Finnish text, escaped
            assert html.escape(label, quote=False) in body
        assert f'href="/ontology#{cls}"' in body  # its type links to the ontology page
        assert f"<code id=\"iri\">{iri}</code>" in body


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("accept", sorted(RDF_BY_ACCEPT))
def test_resources_of_each_class_answer_rdf_holding_their_triples(app: Any, client: Any, cls: str, accept: str) -> None:
    media_type, parser = RDF_BY_ACCEPT[accept]
    for iri in _resources_of(app, cls):
        response = client.get(iri[len(BASE):], headers={"Accept": accept})
        assert response.status_code == 200
        assert response.mimetype == media_type
        graph = rdflib.Graph().parse(data=response.data, format=parser)
        got = {(str(p), str(o)) for p, o in graph.predicate_objects(rdflib.URIRef(iri))}
        assert got == _subject_triples(app, iri)


def test_description_includes_the_source_locations_triples(app: Any, client: Any) -> None:
    iri = _resources_of(app, "Objective", 1)[0]
    graph = rdflib.Graph().parse(data=client.get(iri[len(BASE):] + "?format=ttl").data, format="turtle")
    locations = list(graph.objects(rdflib.URIRef(iri), KG.sourceLocation))
    assert locations
    for location in locations:
        assert (location, KG.line, None) in graph
        assert (location, KG.sourceText, None) in graph


def test_dataset_formats_keep_each_triple_in_its_named_graph(client: Any) -> None:
    response = client.get(GOAL, headers={"Accept": "application/n-quads"})
    assert response.mimetype == "application/n-quads"
    dataset = rdflib.Dataset().parse(data=response.data, format="nquads")
    english = rdflib.Literal("A vital city", lang="en")
    graphs = {str(g) for _, _, o, g in dataset.quads((rdflib.URIRef(BASE + GOAL), None, None, None)) if o == english}
    assert graphs == {BASE + "/graph/kemi/interpretation"}


# ---------------------------------------------------------------------------------------
# What the HTML page shows
# ---------------------------------------------------------------------------------------


def test_goal_page_shows_its_sdg_goals_with_un_iris_numbers_and_colours(client: Any) -> None:
    body = client.get(GOAL).get_data(as_text=True)
    assert "<h1 lang=\"fi\">ELINVOIMAINEN KAUPUNKI</h1>" in body
    for goal in SDG_GOALS_OF_GOAL:
        assert f'href="/sdg/{goal}"' in body
        assert f'title="http://metadata.un.org/sdg/{goal}"' in body
        assert f'<span class="sdg-num">{goal}</span>' in body
    assert "--sdg: #4C9F38" in body  # goal 3's colour, from schema:color
    assert 'href="/sdg/1"' not in body


def test_page_names_linked_resources_by_label_and_links_them_locally(app: Any, client: Any) -> None:
    objective = BASE + "/id/kemi/kaupunkistrategia/objective/vihrea-ja-kestava-kemi"
    body = client.get(objective[len(BASE):]).get_data(as_text=True)
    assert f'href="{GOAL}" lang="fi"' in body
    assert ">ELINVOIMAINEN KAUPUNKI</a>" in body
    # an incoming link: the objective's action, named by its label
    assert "Ympäristösertifiointi laajenee päiväkodeille</a>" in body


def test_page_shows_english_label_and_marks_graphs(client: Any) -> None:
    body = client.get(GOAL).get_data(as_text=True)
    assert 'hreflang="en" lang="en">A vital city</a>' in body
    assert 'class="badge badge-city"' in body
    assert 'class="badge badge-interpretation"' in body
    assert 'class="badge badge-inferred"' in body


def test_page_shows_where_the_element_stands_in_the_source(client: Any) -> None:
    body = client.get("/id/kemi/kaupunkistrategia/objective/vihrea-ja-kestava-kemi").get_data(as_text=True)
    assert '<blockquote class="printed" lang="fi"' in body
    assert "Vihreä ja kestävä Kemi lisää vetovoimaamme sekä sekä torjuu ilmastonmuutosta." in body  # typo kept
    assert "<dt>Line</dt><dd>6</dd>" in body
    assert "<dt>Row</dt><dd>1</dd>" in body


def test_page_offers_a_download_link_for_each_rdf_format(client: Any) -> None:
    body = client.get(GOAL).get_data(as_text=True)
    for name in ("turtle", "ntriples", "rdfxml", "jsonld", "trig", "nquads"):
        assert f'href="{GOAL}?format={name}"' in body


def test_interface_language_is_kept_apart_from_content_language(client: Any) -> None:
    finnish_ui = client.get(GOAL + "?lang=fi").get_data(as_text=True)
    assert '<html lang="fi">' in finnish_ui
    assert "Ominaisuudet" in finnish_ui
    english_content = client.get(GOAL + "?clang=en").get_data(as_text=True)
    assert '<html lang="en">' in english_content
    assert '<h1 lang="en">A vital city</h1>' in english_content
    assert 'hreflang="fi" lang="fi">ELINVOIMAINEN KAUPUNKI</a>' in english_content


# ---------------------------------------------------------------------------------------
# Negotiation and caching
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        ("?format=ttl", "text/html", "text/turtle"),  # the parameter beats the header
        ("?_format=jsonld", "text/turtle", "application/ld+json"),  # Prez-style name
        ("", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),  # a browser
        ("", "*/*", "text/html"),  # curl
        ("", "application/rdf+xml;q=0.5, text/turtle", "text/turtle"),  # q-values
    ],
)
def test_format_is_negotiated(client: Any, query: str, accept: str, media_type: str) -> None:
    response = client.get(GOAL + query, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type


def test_unsupported_accept_gets_406_listing_what_works(client: Any) -> None:
    response = client.get(GOAL, headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    for media_type in ("text/html", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"):
        assert media_type in body
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]


def test_unknown_format_name_is_a_bad_request(client: Any) -> None:
    response = client.get(GOAL + "?format=png")
    assert response.status_code == 400
    assert "turtle" in response.get_data(as_text=True)


def test_responses_vary_on_accept_and_link_their_alternates(client: Any) -> None:
    response = client.get(GOAL, headers={"Accept": "text/turtle"})
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]
    assert response.headers["Content-Location"] == GOAL + "?format=turtle"
    link = response.headers["Link"]
    assert f'<{BASE}{GOAL}>; rel="canonical"' in link
    assert f'<{GOAL}?format=jsonld>; rel="alternate"; type="application/ld+json"' in link
    assert f'<{GOAL}?format=html>; rel="alternate"; type="text/html"' in link
    assert "max-age=" in response.headers["Cache-Control"]


def test_etag_is_the_dataset_version_and_format_and_answers_304(client: Any, built_settings: Settings) -> None:
    from kemi_graph.store import build_info

    version = build_info(built_settings)["version"]
    turtle = client.get(GOAL, headers={"Accept": "text/turtle"})
    page = client.get(GOAL, headers={"Accept": "text/html"})
    assert turtle.headers["ETag"].strip('"').startswith(version[:32])
    assert turtle.headers["ETag"] != page.headers["ETag"]
    again = client.get(GOAL, headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == turtle.headers["ETag"]
    other = client.get(GOAL, headers={"Accept": "text/html", "If-None-Match": turtle.headers["ETag"]})
    assert other.status_code == 200


# ---------------------------------------------------------------------------------------
# Unknown IRIs, ontology, SDG pages, landing page, downloads
# ---------------------------------------------------------------------------------------


def test_unknown_iri_under_the_base_is_a_helpful_404(client: Any) -> None:
    response = client.get("/id/kemi/kaupunkistrategia/goal/no-such-goal")
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert f"{BASE}/id/kemi/kaupunkistrategia/goal/no-such-goal" in body
    assert f'href="{GOAL}"' in body  # a sibling is suggested


def test_ontology_lists_terms_with_anchors_and_answers_rdf(client: Any) -> None:
    body = client.get("/ontology").get_data(as_text=True)
    assert 'id="Objective"' in body and 'id="sourceLocation"' in body and 'id="achieved"' in body
    assert ">Tavoite<" in body and ">Objective<" in body
    graph = rdflib.Graph().parse(data=client.get("/ontology", headers={"Accept": "text/turtle"}).data, format="turtle")
    assert (KG.Objective, rdflib.RDF.type, rdflib.OWL.Class) in graph


def test_sdg_page_lists_the_elements_linked_to_it(client: Any) -> None:
    response = client.get("/sdg/3")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Terveyttä ja hyvinvointia" in body  # the short name, in the content language (fi by default)
    assert "Good health and well-being" in client.get("/sdg/3?clang=en").get_data(as_text=True)
    assert f'href="{GOAL}"' in body
    assert 'href="http://metadata.un.org/sdg/3"' in body
    assert client.get("/sdg/3.8.x!").status_code == 404


def test_resource_parameter_redirects_iris_that_have_their_own_page(client: Any) -> None:
    response = client.get("/resource", query_string={"iri": BASE + GOAL})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(GOAL)
    ontology_term = client.get("/resource", query_string={"iri": str(KG) + "Objective"})
    assert ontology_term.headers["Location"].endswith("/ontology#Objective")
    assert client.get("/resource", query_string={"iri": "http://example.org/unknown"}).status_code == 404


def test_landing_page_counts_and_links(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'href="{GOAL}"' in body
    assert 'href="/sparql"' in body
    assert 'href="/downloads/dataset.nq"' in body
    assert 'href="/downloads/graphs/kemi-city.ttl"' in body
    assert 'title="https://w3id.org/kemi-graph/ontology#Objective">Objective</a></td><td class="num">16</td>' in body
    assert "CC BY 4.0" in body


def test_downloads_serve_the_dumps_with_their_media_types(client: Any) -> None:
    nquads = client.get("/downloads/dataset.nq")
    assert nquads.status_code == 200
    assert nquads.mimetype == "application/n-quads"
    assert client.get("/downloads/graphs/kemi-city.ttl").mimetype == "text/turtle"
    assert client.get("/downloads/dataset.trig").mimetype == "application/trig"


@pytest.mark.parametrize(
    "path",
    [
        "/downloads/../build-info.json",
        "/downloads/%2e%2e/build-info.json",
        "/downloads/graphs/../../build-info.json",
        "/downloads/build-info.json",
        "/downloads/store/CURRENT",
        "/downloads//etc/passwd",
        "/downloads/graphs/%2e%2e%2fbuild-info.json",
    ],
)
def test_downloads_refuse_anything_but_the_dumps(client: Any, path: str) -> None:
    response = client.get(path, follow_redirects=True)  # '//' is first merged by a redirect
    assert response.status_code == 404
    assert b'"version"' not in response.data


# ---------------------------------------------------------------------------------------
# Stores of our own: escaping and the base-IRI mapping
# ---------------------------------------------------------------------------------------

SKOS_PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


def _tiny_store(base: str) -> ox.Store:
    store = ox.Store()
    city = ox.NamedNode(base + "/graph/x/city")
    a, b = ox.NamedNode(base + "/id/x/a"), ox.NamedNode(base + "/id/x/b")
    store.add(ox.Quad(a, SKOS_PREF, ox.Literal("<script>alert(1)</script> & co", language="fi"), city))
    store.add(ox.Quad(a, ox.NamedNode(str(KG) + "objective"), b, city))
    store.add(ox.Quad(b, SKOS_PREF, ox.Literal("Bee", language="en"), city))
    return store


def test_literals_are_shown_as_text_never_as_markup(make_app: Any) -> None:
    client = make_app(_tiny_store(BASE)).test_client()
    response = client.get("/id/x/a")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body


def test_server_maps_its_own_address_to_the_base_iri(make_app: Any) -> None:
    base = "https://data.example.fi/kemi"
    client = make_app(_tiny_store(base), base_iri=base).test_client()
    response = client.get("http://localhost/id/x/a")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"<code id=\"iri\">{base}/id/x/a</code>" in body
    assert 'href="/id/x/b"' in body  # links stay on this server
    assert f'<link rel="canonical" href="{base}/id/x/a">' in body
    turtle = client.get("/id/x/a", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    assert (rdflib.URIRef(f"{base}/id/x/a"), rdflib.URIRef(str(KG) + "objective"), rdflib.URIRef(f"{base}/id/x/b")) in graph
    assert client.get("/id/x/missing").status_code == 404


def test_given_store_gets_an_etag_from_its_content(make_app: Any) -> None:
    client = make_app(_tiny_store(BASE)).test_client()
    first = client.get("/id/x/a", headers={"Accept": "text/turtle"})
    assert first.headers["ETag"]
    assert client.get("/id/x/a", headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}).status_code == 304
