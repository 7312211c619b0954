"""SPARQL 1.1 dataset semantics: FROM / FROM NAMED in the query, the protocol's dataset
parameters, and the union default graph only when neither names a dataset. Each case's
expected answer is computed by rdflib's SPARQL engine (an independent implementation of the
W3C semantics) over the same quads, then asked of the endpoint and of ``kemi-graph query``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.plugins.sparql

from kemi_graph.cli import main
from kemi_graph.config import Settings
from kemi_graph.store import open_read_only, run_query

EX = "http://example.org/"
QUADS = f"""
<{EX}a> <{EX}p> "in g1" <{EX}g1> .
<{EX}b> <{EX}p> "in g2" <{EX}g2> .
<{EX}c> <{EX}p> "also in g2" <{EX}g2> .
<{EX}d> <{EX}p> "in the default graph" .
"""

CASES = {
    "FROM one graph": f"SELECT (COUNT(*) AS ?n) FROM <{EX}g1> WHERE {{ ?s ?p ?o }}",
    "FROM two graphs merged": f"SELECT (COUNT(*) AS ?n) FROM <{EX}g1> FROM <{EX}g2> WHERE {{ ?s ?p ?o }}",
    "FROM NAMED alone: empty default graph": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{EX}g1> WHERE {{ ?s ?p ?o }}",
    "FROM NAMED with GRAPH": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{EX}g2> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "FROM and FROM NAMED": f"SELECT (COUNT(*) AS ?n) FROM <{EX}g1> FROM NAMED <{EX}g2> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
    "FROM a graph that does not exist": f"SELECT (COUNT(*) AS ?n) FROM <{EX}nowhere> WHERE {{ ?s ?p ?o }}",
}


def _rdflib_count(query: str, monkeypatch: pytest.MonkeyPatch) -> int:
    # rdflib would fetch a FROM graph it does not hold from the web; it must use only its own.
    monkeypatch.setattr(rdflib.plugins.sparql, "SPARQL_LOAD_GRAPHS", False)
    dataset = rdflib.Dataset()
    dataset.parse(data=QUADS, format="nquads")
    dataset.default_union = False
    result = dataset.query(query)
    return int(next(iter(result))[0])


def _store() -> ox.Store:
    store = ox.Store()
    store.load(QUADS.encode(), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.mark.parametrize("name", CASES)
def test_the_endpoint_follows_the_query_s_dataset(make_app: Callable[..., Any], name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    query = CASES[name]
    expected = _rdflib_count(query, monkeypatch)
    client = make_app(_store()).test_client()
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) == expected


@pytest.mark.parametrize("name", CASES)
def test_run_query_follows_the_query_s_dataset(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    query = CASES[name]
    assert int(next(iter(run_query(_store(), query)))["n"].value) == _rdflib_count(query, monkeypatch)


def test_without_any_dataset_the_default_graph_is_the_union(make_app: Callable[..., Any]) -> None:
    client = make_app(_store()).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) == 4


def test_the_request_s_dataset_overrides_the_query_s(make_app: Callable[..., Any]) -> None:
    client = make_app(_store()).test_client()
    response = client.get(
        "/sparql",
        query_string={"query": CASES["FROM one graph"], "default-graph-uri": f"{EX}g2"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) == 2


def test_from_a_graph_of_the_build_counts_that_graph_alone(built_settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ontology = f"{built_settings.base_iri}/graph/ontology"
    in_graph = len(list(open_read_only(built_settings).quads_for_pattern(None, None, None, ox.NamedNode(ontology))))
    code = main(["--dist-dir", str(built_settings.dist_dir), "query", "--format", "csv", "-e", f"SELECT (COUNT(*) AS ?n) FROM <{ontology}> WHERE {{ ?s ?p ?o }}"])
    assert code == 0
    assert capsys.readouterr().out.split()[-1] == str(in_graph)
