"""Scale out: ``kemi-graph publish`` into a live Oxigraph server (``oxigraph serve``, started here),
then ``kemi-graph serve --sparql-endpoint`` answers the named queries as the embedded store does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from kemi_graph import queries
from kemi_graph.config import Settings
from kemi_graph.remote import RemoteStore, bind_values, publish
from kemi_graph.store import build_info, open_read_only
from municipalities import REPO, start_oxigraph, stop

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "oxigraph"], capture_output=True).returncode != 0, reason="the 'oxigraph' server (pip install oxigraph) is not installed"
)


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[str]:
    process, url = start_oxigraph(tmp_path)
    yield url
    stop(process)


def _rows(result: ox.QuerySolutions) -> list[tuple[str, ...]]:
    variables = [v.value for v in result.variables]
    return [tuple(str(row[v]) if row[v] is not None else "" for v in variables) for row in result]


def test_bind_values_goes_first_in_the_where_group() -> None:
    query = 'PREFIX kg: <https://w3id.org/kemi-graph/ontology#>\n# a { comment\nSELECT ?x ("{" AS ?y) WHERE { ?x ?p ?o }'
    bound = bind_values(query, {ox.Variable("x"): ox.Literal('say "hi" }', language="fi")})
    assert bound.endswith('WHERE { VALUES (?x) { ("say \\"hi\\" }"@fi) }  ?x ?p ?o }')


def test_publish_empties_graphs_of_ours_no_longer_built_and_leaves_others(imported_settings: Settings, oxigraph: str) -> None:
    stale = f"{imported_settings.base_iri}/graph/removed-town/city"
    foreign = "http://other.example/graph/theirs"
    update = f'INSERT DATA {{ GRAPH <{stale}> {{ <urn:x:a> <urn:x:b> "old" }} GRAPH <{foreign}> {{ <urn:x:a> <urn:x:b> "theirs" }} }}'
    requests.post(oxigraph + "/update", data=update.encode(), headers={"Content-Type": "application/sparql-update"}, timeout=30).raise_for_status()

    sent = publish(imported_settings, oxigraph + "/update", log=lambda line: None)

    graphs = {g.value for g in RemoteStore(oxigraph + "/query").named_graphs()}
    assert graphs == set(sent) | {foreign}


@pytest.mark.parametrize("protocol", ["update", "graph-store"])
def test_publish_then_serve_over_the_endpoint_gives_the_same_rows(imported_settings: Settings, oxigraph: str, tmp_path: Path, protocol: str) -> None:
    sent = publish(imported_settings, oxigraph + "/update", graph_store=oxigraph + "/store" if protocol == "graph-store" else None, log=lambda line: None)
    assert sent == {g: n for g, n in build_info(imported_settings)["graphs"].items()}
    publish(imported_settings, oxigraph + "/update", log=lambda line: None)  # again: each graph replaced, not doubled
    remote = RemoteStore(oxigraph + "/query")
    assert len(remote) == sum(sent.values())
    embedded = open_read_only(imported_settings)
    for name, values in (("compare-objectives-per-sdg", {}), ("compare-indicators-achieved", {}), ("compare-roles", {}),
                         ("compare-shared-sdg-targets", {"municipalityB": "<{base}/id/esimerkkila>"}), ("search", {"text": "kerho"})):
        named = queries.get(name)
        assert _rows(named.run(remote, values, base_iri=imported_settings.base_iri)) == _rows(named.run(embedded, values, base_iri=imported_settings.base_iri)), name

    if protocol != "update":
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMI_GRAPH_")}
    env["PYTHONPATH"] = str(REPO)
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "kemi_graph.cli", "--dist-dir", str(tmp_path / "nothing"), "serve",
             "--sparql-endpoint", oxigraph + "/query", "--port", "0", "--workers", "1"],
            stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO,
        )
    try:
        deadline = time.monotonic() + 30
        while not (match := re.search(r"Listening at: (http://\S+)", log.read_text(errors="replace"))):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        url = match.group(1)
        for _ in range(100):
            try:
                response = requests.get(url + "/queries/compare-objectives-per-sdg", params={"format": "json"}, timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert response.status_code == 200, response.text
        served = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        expected = queries.get("compare-objectives-per-sdg").run(embedded, {}, base_iri=imported_settings.base_iri)
        assert _rows(served) == _rows(expected)
        sparql = requests.post(url + "/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
                               headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert int(sparql.json()["results"]["bindings"][0]["n"]["value"]) == sum(sent.values())
    finally:
        stop(server)
