"""The W3C SPARQL 1.1 Protocol and Service Description tests against a live server.

The manifests are read from the shared conformance folder (see conftest.shared_conformance_dir)
and each test is its own case, with the test's IRI as id. The server is loaded as SOURCES.md
says: ``dataN.nt`` as the named graph ``http://kasei.us/2009/09/sparql/data/dataN.rdf``.

The endpoint is read-only, so an update test passes when its update request gets a 4xx (the
ASK that would check the update's effect is not sent); every query test must pass as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from conftest import free_port, shared_conformance_dir, start_server, stop_server

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
MANIFEST_PATH = "/sparql/"

RESULT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}
RDFLIB_FORMATS = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


def _manifest(name: str) -> Graph | None:
    path = shared_conformance_dir() / name / "manifest.ttl"
    if not path.is_file():
        return None
    return Graph().parse(path, format="turtle", publicID=path.as_uri())


def _entries(graph: Graph | None) -> list[URIRef]:
    if graph is None:
        return []
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    return list(Collection(graph, graph.value(manifest, MF.entries)))  # type: ignore[arg-type]


def _params(name: str) -> list[Any]:
    graph = _manifest(name)
    if graph is None:
        return [pytest.param(None, None, id=f"{name}-missing", marks=pytest.mark.skip(reason=f"no {name} manifest in {shared_conformance_dir()}"))]
    return [pytest.param(graph, test, id=str(test)) for test in _entries(graph)]


@pytest.fixture(scope="module")
def endpoint(
    conformance_dir: Path, protocol_data_specs: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One read-only server for all the tests in this module (none of them can change it).

    Its public URL is its own address, which the service description must name as the endpoint.
    """
    port = free_port()
    server = start_server(tmp_path_factory.mktemp("conformance"), protocol_data_specs, port=port, public_url=f"http://127.0.0.1:{port}")
    yield server.endpoint
    stop_server(server)


def _send(graph: Graph, request: URIRef, endpoint: str) -> requests.Response:
    path = str(graph.value(request, HT.absolutePath))
    assert path.startswith(MANIFEST_PATH)
    url = endpoint + path[len("/sparql"):]  # the manifest's /sparql/ becomes our endpoint's path
    headers = {"Accept": "*/*"}
    header_list = graph.value(request, HT.headers)
    for header in Collection(graph, header_list) if header_list else []:
        headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = graph.value(request, HT.body)
    data = None
    if body is not None:
        encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
        data = str(graph.value(body, CNT.chars)).encode(encoding.lower())
    return requests.request(str(graph.value(request, HT.methodName)), url, data=data, headers=headers, timeout=30)


def _status_ok(status: int, expected: set[URIRef]) -> bool:
    return any(str(status).startswith(str(code).rsplit("StatusCode", 1)[1][0]) for code in expected)


def _check_response(graph: Graph, response_node: URIRef, response: requests.Response) -> None:
    expected = set(graph.objects(response_node, MF.expectedStatus))
    assert _status_ok(response.status_code, expected), f"{response.status_code}: {response.text[:500]}"
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    expected_format = graph.value(response_node, MF.expectedFormat)
    if expected_format is not None:
        assert media_type in RESULT_TYPES[str(expected_format)], media_type
        if str(expected_format) == "RDF":
            Graph().parse(data=response.content, format=RDFLIB_FORMATS[media_type])
    expected_boolean = graph.value(response_node, MF.expectedBoolean)
    if expected_boolean is not None:
        assert _boolean(media_type, response.content) is expected_boolean.toPython()


def _boolean(media_type: str, body: bytes) -> bool:
    if media_type == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    element = ElementTree.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None
    return element.text == "true"


@pytest.mark.parametrize(("graph", "test"), _params("sparql11-protocol"))
def test_protocol(graph: Graph, test: URIRef, endpoint: str) -> None:
    requests_list = list(Collection(graph, graph.value(graph.value(test, MF.action), HT.requests)))
    local_name = str(test).rsplit("#", 1)[1]
    if local_name.startswith(("update_", "bad_update_")):
        # Read-only: the update request itself must be refused with a 4xx and a message.
        response = _send(graph, requests_list[0], endpoint)
        assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
        assert response.text.strip()
        return
    for request in requests_list:
        _check_response(graph, graph.value(request, HT.resp), _send(graph, request, endpoint))


def _service_description(endpoint: str) -> Graph:
    response = requests.get(endpoint, headers={"Accept": "text/turtle, application/rdf+xml;q=0.9"}, timeout=30)
    assert response.status_code == 200
    media_type = response.headers["Content-Type"].split(";")[0]
    return Graph().parse(data=response.content, format=RDFLIB_FORMATS[media_type])


@pytest.mark.parametrize(("graph", "test"), _params("sparql11-service-description"))
def test_service_description(graph: Graph, test: URIRef, endpoint: str) -> None:
    local_name = str(test).rsplit("#", 1)[1]
    description = _service_description(endpoint)
    if local_name == "returns-rdf":
        assert len(description) > 0
    elif local_name == "has-endpoint-triple":
        assert (None, SD.endpoint, URIRef(endpoint)) in description
    elif local_name == "conforms-to-schema":
        _assert_conforms_to_sd_schema(description)
    else:
        pytest.fail(f"unknown service description test {test}")


def _assert_conforms_to_sd_schema(g: Graph) -> None:
    """The SD vocabulary's domains and ranges, checked on what we publish."""
    services = list(g.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    assert isinstance(g.value(service, SD.endpoint), URIRef)
    languages = set(g.objects(service, SD.supportedLanguage))
    assert languages and languages <= {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
    for fmt in g.objects(service, SD.resultFormat):
        assert isinstance(fmt, URIRef)
    for feature in g.objects(service, SD.feature):
        assert isinstance(feature, URIRef)
    dataset = g.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in g
    default_graph = g.value(dataset, SD.defaultGraph)
    assert (default_graph, RDF.type, SD.Graph) in g
    named = list(g.objects(dataset, SD.namedGraph))
    assert named
    for named_graph in named:
        assert (named_graph, RDF.type, SD.NamedGraph) in g
        assert isinstance(g.value(named_graph, SD.name), URIRef)
        assert (g.value(named_graph, SD.graph), RDF.type, SD.Graph) in g
    for literal in g.objects(None, None):
        if isinstance(literal, Literal):
            assert literal.datatype is not None or literal.language is not None or isinstance(literal.value, str)
