"""Clients people use, against a live server over the project's build (loopback only).

rdflib's SPARQLStore (xml and json modes, the four query forms), Comunica (the npm package
pinned in tests/clients/package.json, installed by .ci/run), and pyoxigraph federating into the
endpoint with SERVICE. A client that is not installed fails its test with the reason.
SPARQLWrapper has its own module (test_sparqlwrapper_client.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from conftest import REPO, LiveServer, start_server, stop_server
from kemi_graph.config import Settings

BASE = "https://w3id.org/kemi-graph"
GOAL = "/id/kemi/kaupunkistrategia/goal/elinvoimainen-kaupunki"
KG = "https://w3id.org/kemi-graph/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
COMUNICA = REPO / "tests" / "clients" / "node_modules" / ".bin" / "comunica-sparql"
QUERIES = {
    "select": f"SELECT ?goal WHERE {{ ?goal a <{KG}StrategicGoal> }} ORDER BY ?goal",
    "ask": f"ASK {{ <{BASE}{GOAL}> a <{KG}StrategicGoal> }}",
    "construct": f"CONSTRUCT {{ ?goal a <{KG}StrategicGoal> }} WHERE {{ ?goal a <{KG}StrategicGoal> }}",
    "describe": f"DESCRIBE <{BASE}{GOAL}>",
}


@pytest.fixture(scope="module")
def server(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("clients"), dist_dir=built_settings.dist_dir)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def goals(server: LiveServer) -> list[str]:
    """The strategic goals, as the endpoint answers them to a plain HTTP request."""
    answer = requests.get(server.endpoint, params={"query": QUERIES["select"]}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200
    found = [b["goal"]["value"] for b in answer.json()["results"]["bindings"]]
    assert found
    return found


# -- rdflib SPARQLStore --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["xml", "json"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore_answers_all_four_query_forms(server: LiveServer, goals: list[str], mode: str, method: str) -> None:
    graph = rdflib.Graph(SPARQLStore(query_endpoint=server.endpoint, returnFormat=mode, method=method))
    assert sorted(str(row[0]) for row in graph.query(QUERIES["select"])) == goals
    assert graph.query(QUERIES["ask"]).askAnswer is True
    constructed = graph.query(QUERIES["construct"]).graph
    assert sorted(str(s) for s in constructed.subjects()) == goals
    described = graph.query(QUERIES["describe"]).graph
    assert (rdflib.URIRef(BASE + GOAL), rdflib.RDF.type, rdflib.URIRef(KG + "StrategicGoal")) in described


# -- Comunica ------------------------------------------------------------------------------------


def _comunica(*arguments: str, media_type: str) -> str:
    if not COMUNICA.is_file():
        pytest.fail(
            f"Comunica is not installed ({COMUNICA} is missing): run 'npm install --prefix tests/clients' "
            "(Node 18 or newer; .ci/run does this)"
        )
    if shutil.which("node") is None:
        pytest.fail("Comunica needs Node.js, and 'node' is not on the PATH (.ci/run installs it)")
    done = subprocess.run([str(COMUNICA), *arguments, "-t", media_type], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _bindings(output: str) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(output)["results"]["bindings"]]


def test_comunica_select_through_the_endpoint(server: LiveServer, goals: list[str]) -> None:
    output = _comunica(f"sparql@{server.endpoint}", "-q", QUERIES["select"], media_type="application/sparql-results+json")
    assert [row["goal"] for row in _bindings(output)] == goals


def test_comunica_construct_through_the_endpoint(server: LiveServer, goals: list[str]) -> None:
    output = _comunica(f"sparql@{server.endpoint}", "-q", QUERIES["construct"], media_type="application/n-triples")
    graph = rdflib.Graph().parse(data=output, format="nt")
    assert sorted(str(s) for s in graph.subjects()) == goals


def test_comunica_reads_the_void_description_as_a_source(server: LiveServer) -> None:
    # Comunica prefers N-Quads, which keep the description's named graph: hence GRAPH ?g.
    query = "SELECT ?pattern WHERE { GRAPH ?g { ?d <http://rdfs.org/ns/void#uriRegexPattern> ?pattern } }"
    output = _comunica(server.url + "/.well-known/void", "-q", query, media_type="application/sparql-results+json")
    assert [row["pattern"] for row in _bindings(output)] == ["^https://w3id\\.org/kemi-graph/id/"]


def test_comunica_reads_a_page_as_a_source(server: LiveServer) -> None:
    query = f"SELECT ?label WHERE {{ <{BASE}{GOAL}> <{SKOS}prefLabel> ?label }}"
    output = _comunica(server.url + GOAL, "--unionDefaultGraph", "-q", query, media_type="application/sparql-results+json")
    labels = {row["label"] for row in _bindings(output)}
    assert {"ELINVOIMAINEN KAUPUNKI", "A vital city"} <= labels


# -- pyoxigraph federating into the endpoint -----------------------------------------------------


def test_pyoxigraph_federates_into_the_endpoint(server: LiveServer, goals: list[str]) -> None:
    local = ox.Store()
    picked = ox.NamedNode(goals[0])
    local.add(ox.Quad(picked, ox.NamedNode("http://example.org/picked"), ox.Literal("yes")))
    query = f"""SELECT ?goal ?label WHERE {{
      ?goal <http://example.org/picked> "yes" .
      SERVICE <{server.endpoint}> {{ ?goal a <{KG}StrategicGoal> ; <{SKOS}prefLabel> ?label FILTER(LANG(?label) = "fi") }}
    }}"""
    rows = [(row["goal"].value, row["label"].value) for row in local.query(query)]
    assert rows and {goal for goal, _ in rows} == {goals[0]}
