"""The same comparison across two live endpoints of ours: each municipality serves its own graph,
and one endpoint federates to the other with SERVICE (the other is on its allow-list)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import requests

from kemi_graph import queries
from kemi_graph.config import Settings
from kemi_graph.store import open_read_only

PATTERN = """
    ?municipality a kg:Municipality ; kg:municipalityCode ?code ; skos:prefLabel ?name .
    FILTER(LANG(?name) = "fi")
    ?city prov:wasAttributedTo ?municipality .
    GRAPH ?city { ?objective a kg:Objective ; kg:strategicGoal ?goal .
                  { ?objective kg:sdg ?link } UNION { ?goal kg:sdg ?link } }
"""


def _dump(settings: Settings, folder: Path, slug: str) -> Path:
    """One municipality's graphs (and the shared ones) as its own TriG file."""
    store = open_read_only(settings)
    keep = [g for g in store.named_graphs() if f"/graph/{slug}/" in g.value or g.value.endswith(("/graph/ontology", "/graph/sdg-goals"))]
    quads = [q for g in keep for q in store.quads_for_pattern(None, None, None, g)]
    path = folder / f"{slug}.nq"
    path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    return path


def test_federated_comparison_across_two_live_endpoints(imported_settings: Settings, tmp_path: Path, live_server) -> None:  # type: ignore[no-untyped-def]
    esimerkkila = live_server(data=[str(_dump(imported_settings, tmp_path, "esimerkkila"))])
    kemi = live_server(data=[str(_dump(imported_settings, tmp_path, "kemi"))], service_allow_list=[esimerkkila.endpoint])
    federated = f"""
        PREFIX kg: <https://w3id.org/kemi-graph/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        SELECT ?name ?code ?sdgNumber (COUNT(DISTINCT ?objective) AS ?objectives) WHERE {{
          {{ {PATTERN} }} UNION {{ SERVICE <{esimerkkila.endpoint}> {{ {PATTERN} }} }}
          BIND(xsd:integer(STRBEFORE(CONCAT(STRAFTER(STR(?link), "http://metadata.un.org/sdg/"), "."), ".")) AS ?sdgNumber)
          FILTER(BOUND(?sdgNumber))
        }} GROUP BY ?name ?code ?sdgNumber ORDER BY ?sdgNumber ?name"""
    response = requests.post(kemi.endpoint, data={"query": federated}, headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text
    remote = [(b["name"]["value"], b["code"]["value"], int(b["sdgNumber"]["value"]), int(b["objectives"]["value"]))
              for b in response.json()["results"]["bindings"]]
    merged = queries.get("compare-objectives-per-sdg").run(open_read_only(imported_settings), {}, base_iri=imported_settings.base_iri)
    expected = [(r["municipalityName"].value, r["code"].value, int(r["sdgNumber"].value), int(r["objectives"].value)) for r in merged]
    assert remote == expected
    assert {row[0] for row in remote} == {"Kemi", "Esimerkkilä"}
    # Not on the allow-list: refused.
    refused = requests.post(esimerkkila.endpoint, data={"query": f"SELECT * WHERE {{ SERVICE <{kemi.endpoint}> {{ ?s ?p ?o }} }} LIMIT 1"}, timeout=30)
    assert refused.status_code == 403
