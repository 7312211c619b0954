"""SPARQLWrapper, a real client, against a live server on loopback: every result format it asks for
comes back in that format and parses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from conftest import LiveServer, start_server, stop_server

EX = Namespace("http://example.org/")
DATA = """@prefix ex: <http://example.org/> .
ex:kemi ex:name "Kemi"@fi ; ex:population 20000 .
ex:tornio ex:name "Tornio"@fi ; ex:population 21000 .
"""
SELECT = "PREFIX ex: <http://example.org/> SELECT ?town ?name WHERE { ?town ex:name ?name } ORDER BY ?name"
CONSTRUCT = "PREFIX ex: <http://example.org/> CONSTRUCT WHERE { ?town ex:population ?n }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("sparqlwrapper")
    data = folder / "towns.ttl"
    data.write_text(DATA, encoding="utf-8")
    live = start_server(folder, [f"{data}=http://example.org/graph/towns"])
    yield live
    stop_server(live)


def client(server: LiveServer, query: str, return_format: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(return_format)
    return sparql


def test_select_as_json(server: LiveServer) -> None:
    result = client(server, SELECT, JSON).queryAndConvert()
    assert [b["name"]["value"] for b in result["results"]["bindings"]] == ["Kemi", "Tornio"]
    assert result["results"]["bindings"][0]["name"]["xml:lang"] == "fi"


def test_select_as_xml(server: LiveServer) -> None:
    result = client(server, SELECT, XML).queryAndConvert()
    assert isinstance(result, Document)
    literals = [node.firstChild.data for node in result.getElementsByTagName("literal")]
    assert literals == ["Kemi", "Tornio"]


def test_select_as_csv(server: LiveServer) -> None:
    result = client(server, SELECT, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(result.decode("utf-8"))))
    assert rows == [["town", "name"], [str(EX.kemi), "Kemi"], [str(EX.tornio), "Tornio"]]


def test_select_as_tsv(server: LiveServer) -> None:
    result = client(server, SELECT, TSV).queryAndConvert()
    lines = result.decode("utf-8").splitlines()
    assert lines == ["?town\t?name", f'<{EX.kemi}>\t"Kemi"@fi', f'<{EX.tornio}>\t"Tornio"@fi']


def test_ask(server: LiveServer) -> None:
    result = client(server, 'PREFIX ex: <http://example.org/> ASK { ?t ex:name "Kemi"@fi }', JSON).queryAndConvert()
    assert result["boolean"] is True


def test_select_by_post(server: LiveServer) -> None:
    sparql = client(server, SELECT, JSON)
    sparql.setMethod("POST")
    assert len(sparql.queryAndConvert()["results"]["bindings"]) == 2


def _expected_graph() -> Graph:
    graph = Graph()
    graph.add((EX.kemi, EX.population, Literal(20000)))
    graph.add((EX.tornio, EX.population, Literal(21000)))
    return graph


def test_construct_as_turtle_parses_back(server: LiveServer) -> None:
    sparql = client(server, CONSTRUCT, TURTLE)
    response = sparql.query()
    assert response.info()["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.response.read(), format="turtle")
    assert set(graph) == set(_expected_graph())


def test_construct_as_json_ld_parses_back(server: LiveServer) -> None:
    response = client(server, CONSTRUCT, JSONLD).query()
    assert response.info()["content-type"] == "application/ld+json"
    graph = Graph().parse(data=response.response.read(), format="json-ld")
    assert set(graph) == set(_expected_graph())
    assert (URIRef(EX.kemi), EX.population, Literal(20000)) in graph


def test_malformed_query_error_reaches_the_client_as_a_400(server: LiveServer) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed, match="Malformed query"):
        client(server, "SELECT ?x WHERE {", JSON).query()


# Every return format SPARQLWrapper offers, by GET and by POST: what it converts to.
SELECT_FORMATS = [JSON, XML, CSV, TSV, JSONLD, TURTLE, N3, RDF, RDFXML]
GRAPH_FORMATS = [TURTLE, N3, RDF, RDFXML, JSONLD, XML, JSON, CSV, TSV]


def _rows(result: object, fmt: str) -> list[str]:
    """The names a SELECT answered, from whatever SPARQLWrapper converted."""
    if isinstance(result, dict):
        return [b["name"]["value"] for b in result["results"]["bindings"]]
    if isinstance(result, Document):
        return [node.firstChild.data for node in result.getElementsByTagName("literal")]
    text = result.decode("utf-8")
    if fmt == TSV or text.startswith("?"):
        return [line.split("\t")[1].split('"')[1] for line in text.splitlines()[1:]]
    return [row[1] for row in list(csv.reader(io.StringIO(text)))[1:]]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", SELECT_FORMATS)
def test_select_in_every_return_format(server: LiveServer, fmt: str, method: str) -> None:
    sparql = client(server, SELECT, fmt)
    sparql.setMethod(method)
    response = sparql.query()
    assert response.response.status == 200
    assert _rows(response.convert(), fmt) == ["Kemi", "Tornio"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_construct_in_every_return_format(server: LiveServer, fmt: str, method: str) -> None:
    sparql = client(server, CONSTRUCT, fmt)
    sparql.setMethod(method)
    response = sparql.query()
    content_type = response.info()["content-type"].split(";")[0]
    result = response.convert()
    if not isinstance(result, Graph):  # Turtle/N3 arrive as text, JSON-LD as text for JSON
        result = Graph().parse(data=result, format={"text/turtle": "turtle", "application/ld+json": "json-ld"}.get(content_type, content_type))
    assert set(result) == set(_expected_graph())
