"""The SPARQL 1.1 Protocol endpoint through Flask's test client: requests, dataset, negotiation,
limits, refusals and the service description. Timeouts and federation need a live server and
are at the end."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Namespace, URIRef

from kemi_graph import formats
from kemi_graph.web.conneg import NotAcceptable, negotiate

EX = "http://example.org/"
G1 = EX + "graph/1"
G2 = EX + "graph/2"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def _store() -> ox.Store:
    store = ox.Store()
    for n in range(5):
        store.add(ox.Quad(ox.NamedNode(f"{EX}a{n}"), ox.NamedNode(EX + "p"), ox.Literal(f"a{n}"), ox.NamedNode(G1)))
    store.add(ox.Quad(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"), ox.Literal("bé", language="fi"), ox.NamedNode(G2)))
    return store


@pytest.fixture
def client(make_app: Any) -> Any:
    return make_app(_store(), max_rows=3, max_request_bytes=2_000).test_client()


def bindings(response: Any) -> list[dict[str, Any]]:
    return json.loads(response.data)["results"]["bindings"]


# -- the three ways to send a query ----------------------------------------------------------


def test_get_query_answers_sparql_json_by_default(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": f"SELECT ?o {{ <{EX}b> ?p ?o }}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert bindings(response) == [{"o": {"type": "literal", "value": "bé", "xml:lang": "fi"}}]


def test_form_post_query(client: Any) -> None:
    response = client.post("/sparql", data={"query": "ASK { ?s ?p 'a1' }"})
    assert response.status_code == 200
    assert json.loads(response.data)["boolean"] is True


def test_direct_post_query_with_dataset_in_the_url(client: Any) -> None:
    response = client.post(
        f"/sparql?default-graph-uri={G2}",
        data="SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        content_type="application/sparql-query",
    )
    assert bindings(response)[0]["n"]["value"] == "1"


def test_trailing_slash_is_the_same_endpoint(client: Any) -> None:
    assert client.get("/sparql/", query_string={"query": "ASK {}"}).status_code == 200


# -- the dataset ----------------------------------------------------------------------------


def test_without_dataset_the_default_graph_is_the_union_of_all_graphs(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert bindings(response)[0]["n"]["value"] == "6"


def test_named_graph_uri_alone_leaves_the_default_graph_empty(client: Any) -> None:
    query = "SELECT ?g (COUNT(*) AS ?n) { { ?s ?p ?o BIND('default' AS ?g) } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": G2})
    assert bindings(response) == [{"g": {"type": "uri", "value": G2}, "n": bindings(response)[0]["n"]}]


def test_default_graph_uri_alone_leaves_no_named_graphs(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { GRAPH ?g { ?s ?p ?o } }", "default-graph-uri": G1})
    assert json.loads(response.data)["boolean"] is False


def test_an_invalid_graph_iri_is_a_400(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert b"default-graph-uri" in response.data


# -- content negotiation --------------------------------------------------------------------

SELECT = "SELECT ?s { ?s ?p ?o } LIMIT 1"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"


@pytest.mark.parametrize(
    ("query", "accept", "content_type"),
    [
        # each result format by its own media type, with the charset where the type defines one
        (SELECT, "application/sparql-results+json", "application/sparql-results+json"),
        (SELECT, "application/sparql-results+xml", "application/sparql-results+xml; charset=utf-8"),
        (SELECT, "text/csv", "text/csv; charset=utf-8"),
        (SELECT, "text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        # q-values decide; a wildcard gives the server's first choice
        (SELECT, "text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        (SELECT, "*/*", "application/sparql-results+json"),
        (SELECT, "text/*", "text/csv; charset=utf-8"),
        # plain JSON and XML clients get SPARQL results
        (SELECT, "application/json", "application/sparql-results+json"),
        # a browser gets the HTML page
        (SELECT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"),
        (CONSTRUCT, "text/turtle", "text/turtle; charset=utf-8"),
        (CONSTRUCT, "application/n-triples", "application/n-triples"),
        (CONSTRUCT, "application/rdf+xml", "application/rdf+xml; charset=utf-8"),
        (CONSTRUCT, "application/ld+json", "application/ld+json"),
        (CONSTRUCT, "application/trig", "application/trig"),
        (CONSTRUCT, "application/n-quads", "application/n-quads"),
        # an exclusion by q=0 wins over the wildcard that would include it
        (CONSTRUCT, "text/turtle;q=0, */*", "application/n-triples"),
    ],
)
def test_accept_header_picks_the_format(client: Any, query: str, accept: str, content_type: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("param", ["format", "_format"])
def test_format_parameter_overrides_accept(client: Any, param: str) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, param: "csv"}, headers={"Accept": "application/json"})
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_an_unservable_accept_is_a_406_listing_what_would_work(client: Any) -> None:
    # (text/csv alone now gets Turtle: a result-set type on a graph query, see docs/web.md)
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"text/turtle" in response.data and b"application/ld+json" in response.data


def test_an_unknown_format_name_is_a_400(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, "format": "excel"})
    assert response.status_code == 400
    assert b"json, xml, csv, tsv" in response.data


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),  # no Accept: the server's first choice
        ("", "json"),
        ("application/sparql-results+xml;q=0.9, text/csv;q=0.8", "xml"),
        ("text/csv; charset=utf-8", "csv"),  # a UTF-8 charset parameter still matches
        ("text/csv; charset=latin1, */*;q=0.1", "json"),  # another charset does not
        ("application/*;q=0.2, text/tab-separated-values;q=0.3", "tsv"),
        ("garbage, text/csv", "csv"),  # a malformed range is skipped
    ],
)
def test_negotiate_table(accept: str | None, expected: str) -> None:
    assert negotiate(accept, formats.QUERY_RESULTS).name == expected


def test_negotiate_refusal_names_the_available_media_types() -> None:
    with pytest.raises(NotAcceptable, match="application/sparql-results\\+json"):
        negotiate("image/png", formats.QUERY_RESULTS)


# -- bad requests: a 400 that says what is wrong ----------------------------------------------


def test_a_malformed_query_is_a_400_with_the_parsers_message(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data.startswith(b"400 Bad Request: Malformed query: error at 1:")


def test_a_repeated_query_parameter_is_a_400(client: Any) -> None:
    response = client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert response.status_code == 400
    assert b"'query' parameter is given 2 times" in response.data


def test_a_query_both_in_body_and_url_is_a_400(client: Any) -> None:
    response = client.post("/sparql?query=ASK%20%7B%7D", data="ASK {}", content_type="application/sparql-query")
    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_a_post_with_another_content_type_is_a_400(client: Any, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"query=ASK%20%7B%7D", headers=headers)
    assert response.status_code == 400
    assert b"application/sparql-query" in response.data


def test_a_non_utf8_charset_is_a_400(client: Any) -> None:
    response = client.post(
        "/sparql", data="ASK {}".encode("utf-16"), content_type="application/sparql-query; charset=UTF-16"
    )
    assert response.status_code == 400
    assert b"utf-16" in response.data


def test_a_body_that_is_not_utf8_is_a_400(client: Any) -> None:
    response = client.post("/sparql", data=b"ASK { ?s ?p '\xe9' }", content_type="application/sparql-query")
    assert response.status_code == 400
    assert b"not valid UTF-8" in response.data


def test_a_post_without_query_is_a_400(client: Any) -> None:
    response = client.post("/sparql", data={"default-graph-uri": G1})
    assert response.status_code == 400
    assert b"no query" in response.data


def test_another_method_is_a_405_with_allow(client: Any) -> None:
    response = client.put("/sparql?query=ASK%20%7B%7D")
    assert response.status_code == 405
    assert {"GET", "POST"} <= set(response.headers["Allow"].replace(" ", "").split(","))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_an_unknown_path_is_a_plain_404(client: Any) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.data.startswith(b"404 Not Found")


# -- read-only ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update"),
        lambda c: c.post("/sparql", data="NOT EVEN SPARQL", content_type="application/sparql-update"),
        lambda c: c.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}),
        lambda c: c.get("/sparql", query_string={"update": "CLEAR ALL"}),
        lambda c: c.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"}),
    ],
    ids=["direct-post", "direct-post-malformed", "form-post", "get", "update-as-query"],
)
def test_updates_are_refused_with_a_403_and_a_message(client: Any, send: Any) -> None:
    response = send(client)
    assert response.status_code == 403
    assert b"read-only" in response.data
    ask = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert bindings(ask)[0]["n"]["value"] == "6"


# -- limits ---------------------------------------------------------------------------------


def test_select_results_are_cut_at_max_rows_and_the_response_says_so(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert len(bindings(response)) == 3
    assert response.headers["X-Results-Truncated"] == "max_rows=3"


def test_results_within_max_rows_are_not_marked(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 3", "format": "tsv"})
    assert response.data.count(b"\n") == 4
    assert "X-Results-Truncated" not in response.headers


def test_construct_results_are_cut_at_max_rows(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert response.data.count(b"\n") == 3
    assert response.headers["X-Results-Truncated"] == "max_rows=3"


def test_a_body_over_max_request_bytes_is_a_413(client: Any) -> None:
    query = "ASK {}" + " " * 3_000
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 413
    assert b"max_request_bytes" in response.data


def test_a_request_line_over_max_request_line_is_a_414_that_points_at_post(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}" + " " * 20_000})
    assert response.status_code == 414
    assert b"max_request_line" in response.data and b"POST" in response.data


# -- CORS -----------------------------------------------------------------------------------


def test_cors_is_on_for_reads(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql", headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    )
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


# -- service description and query page -------------------------------------------------------


def test_plain_get_with_rdf_accept_is_the_service_description(client: Any) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.data, format="turtle")
    endpoint = URIRef("https://w3id.org/kemi-graph/sparql")  # the public URL: by default the base IRI
    service = graph.value(predicate=SD.endpoint, object=endpoint)
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    advertised = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert advertised == {f.iri for f in formats.QUERY_RESULTS + formats.RDF}
    names = {str(o) for o in graph.objects(None, SD.name)}
    assert names == {G1, G2}
    assert (None, URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), endpoint) in graph


def test_service_description_endpoint_is_the_public_url_whatever_the_host_header(make_app: Any) -> None:
    app = make_app(ox.Store(), public_url="https://data.example:8443/kemi")
    response = app.test_client().get("/sparql/", headers={"Accept": "application/n-triples", "Host": "evil.example"})
    assert b"<https://data.example:8443/kemi/sparql>" in response.data
    assert b"<https://data.example:8443/kemi/.well-known/void>" in response.data
    assert b"evil.example" not in response.data


def test_inferred_graph_is_described_with_the_owl2_rl_profile(make_app: Any) -> None:
    store = ox.Store()
    inferred = "https://w3id.org/kemi-graph/graph/kemi/inferred"
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "o"), ox.NamedNode(inferred)))
    response = make_app(store).test_client().get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    described = graph.value(predicate=SD.name, object=URIRef(inferred))
    assert (described, SD.supportedEntailmentProfile, URIRef("http://www.w3.org/ns/owl-profile/RL")) in graph
    assert (described, SD.entailmentRegime, URIRef("http://www.w3.org/ns/entailment/OWL-RDF-Based")) in graph


def test_plain_get_from_a_browser_is_a_query_form_that_needs_no_script(client: Any) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.data.decode()
    assert '<form method="get" action="http://localhost/sparql">' in page
    assert '<textarea id="query" name="query"' in page
    # The editor only enhances the textarea (tests/test_browser.py runs the page without it).
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/editor/sparql-editor.js" defer>']


def test_html_results_are_a_table_with_escaped_values(make_app: Any) -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("<b>bold</b>")))
    response = make_app(store).test_client().get(
        "/sparql", query_string={"query": "SELECT ?o { ?s ?p ?o }", "format": "html"}
    )
    page = response.data.decode()
    assert "<th scope=\"col\">?o</th>" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "format=csv" in page  # a download link per format


# -- SERVICE ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://elsewhere.example/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://elsewhere.example/> SELECT * { SERVICE SILENT e:sparql { ?s ?p ?o } }",
        "SELECT * { VALUES ?e { <http://elsewhere.example/sparql> } SERVICE ?e { ?s ?p ?o } }",
    ],
    ids=["iri", "prefixed-silent", "variable"],
)
def test_service_to_an_endpoint_not_on_the_allow_list_is_a_403(client: Any, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert b"service allow list" in response.data


def test_service_in_a_string_or_comment_is_not_a_call(client: Any) -> None:
    query = "# SERVICE <http://elsewhere.example/sparql>\nASK { ?s ?p 'SERVICE <http://elsewhere.example/>' }"
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


def test_service_to_an_allowed_endpoint_is_federated(live_server: Any, protocol_data_specs: list[str]) -> None:
    remote = live_server(data=protocol_data_specs)
    local = live_server(data=protocol_data_specs[:1], service_allow_list=(remote.host_port,))
    query = f"SELECT (COUNT(*) AS ?n) {{ SERVICE <{remote.endpoint}> {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    answer = requests.get(local.endpoint, params={"query": query}, headers={"Accept": "application/json"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == "3"
    refused = requests.get(
        local.endpoint, params={"query": "ASK { SERVICE <http://127.0.0.2:1234/sparql> {} }"}, timeout=30
    )
    assert refused.status_code == 403


# -- timeout --------------------------------------------------------------------------------

# 3 triples to the power of 24 patterns: far more than any timeout allows.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(24)) + " }"


def test_a_query_past_the_timeout_is_stopped_and_others_are_answered_meanwhile(
    live_server: Any, protocol_data_specs: list[str]
) -> None:
    server = live_server(data=protocol_data_specs, query_timeout=2, workers=2)
    slow: dict[str, Any] = {}

    def run_slow() -> None:
        slow["response"] = requests.get(server.endpoint, params={"query": SLOW_QUERY}, timeout=60)

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)  # let the slow query reach its worker (not a timing assertion)
    meanwhile = requests.get(server.endpoint, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    thread.join()
    assert meanwhile.status_code == 200
    assert meanwhile.json()["boolean"] is True
    response = slow["response"]
    assert response.status_code == 503
    assert "time limit of 2 s" in response.text
    # the evaluator was replaced: the worker answers again
    for _ in range(3):
        assert requests.get(server.endpoint, params={"query": "ASK {}"}, timeout=30).status_code == 200


# -- serve --data -----------------------------------------------------------------------------


def test_data_files_go_into_the_named_graph_given_after_the_equals_sign(tmp_path: Any) -> None:
    from kemi_graph.web.serve import load_data

    triples = tmp_path / "a.ttl"
    triples.write_text(f"<{EX}s> <{EX}p> 1 .\n", encoding="utf-8")
    quads = tmp_path / "b.nq"
    quads.write_text(f"<{EX}s> <{EX}p> <{EX}o> <{G2}> .\n", encoding="utf-8")
    store = load_data([f"{triples}={G1}", str(quads), str(triples)])
    graphs = {str(q.graph_name) for q in store}
    assert graphs == {f"<{G1}>", f"<{G2}>", "DEFAULT"}


def test_a_data_file_that_does_not_parse_is_named_in_the_error(tmp_path: Any) -> None:
    from kemi_graph.errors import InputError
    from kemi_graph.web.serve import load_data

    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="broken.ttl: not valid Turtle"):
        load_data([str(broken)])


def test_serve_data_with_a_broken_file_exits_with_a_message(tmp_path: Any) -> None:
    import subprocess
    import sys

    broken = tmp_path / "broken.nt"
    broken.write_text("not n-triples\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kemi_graph.web.serve", "--port", "0", "--data", str(broken)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert f"{broken}: not valid N-Triples" in done.stderr


def test_serve_without_data_serves_the_built_graph(live_server: Any, built_settings: Any) -> None:
    server = live_server(dist_dir=built_settings.dist_dir)
    query = "PREFIX kg: <https://w3id.org/kemi-graph/ontology#> ASK { ?o a kg:Objective }"
    assert requests.get(server.endpoint, params={"query": query}, timeout=30).json()["boolean"] is True
    description = Graph().parse(
        data=requests.get(server.endpoint, headers={"Accept": "text/turtle"}, timeout=30).content, format="turtle"
    )
    inferred = URIRef("https://w3id.org/kemi-graph/graph/kemi/inferred")
    described = description.value(predicate=SD.name, object=inferred)
    assert (described, SD.supportedEntailmentProfile, URIRef("http://www.w3.org/ns/owl-profile/RL")) in description
