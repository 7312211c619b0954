"""The fast OWL 2 RL engine (TBox closed by owlrl, ABox rules in Python) equals owlrl's full closure.

owlrl stays the reference: on real data the engine's inferred graph must be *the same set of
triples* as owlrl's full closure of the same graphs, filtered the same way (kemi_graph/pipeline/reason.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from kemi_graph.pipeline.load import load_project
from kemi_graph.pipeline.reason import TBox, infer, infer_owlrl
from kemi_graph.config import Settings
from kemi_graph.importers.common import ConvertedStrategy
from kemi_graph.importers.table import TableFile, convert_tables
from kemi_graph.namespaces import Iris

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "esimerkkila"
IRIS = Iris(Settings().base_iri)


@pytest.fixture(scope="module")
def project():
    return load_project(IRIS)


@pytest.fixture(scope="module")
def shared(project) -> Graph:
    union = Graph()
    for graph in (project.ontology, project.sdg_goals):
        for triple in graph:
            union.add(triple)
    return union


@pytest.fixture(scope="module")
def tbox(shared: Graph) -> TBox:
    return TBox(shared)


def _asserted(shared: Graph, strategy: ConvertedStrategy) -> Graph:
    graph = Graph()
    for part in (shared, strategy.city, strategy.interpretation):
        for triple in part:
            graph.add(triple)
    return graph


def _example() -> ConvertedStrategy:
    tables = [TableFile(EXAMPLE / "esimerkkila-2023.csv", 2023, None), TableFile(EXAMPLE / "esimerkkila-2024.xlsx", 2024, None)]
    return convert_tables(tables, IRIS, municipality="esimerkkila", name="Esimerkkilä", code="999")


@pytest.mark.parametrize("which", ["kemi", "esimerkkila"])
def test_fast_reasoner_equals_owlrl(project, shared: Graph, tbox: TBox, which: str) -> None:
    strategy = next(s for s in project.strategies if s.municipality == "kemi") if which == "kemi" else _example()
    asserted = _asserted(shared, strategy)
    prefix = str(IRIS.municipality(strategy.municipality)) + "/"
    assert tbox.covers(asserted)  # the fast path is taken, not the owlrl fallback
    fast = set(infer(asserted, prefix, tbox))
    reference = set(infer_owlrl(asserted, prefix))
    assert fast == reference
    assert len(fast) > 300  # not vacuous: subclasses, inverses, the SDG chain, …


def test_default_tbox_is_the_project_tbox(project, shared: Graph) -> None:
    """Without a TBox argument, infer() closes the project's shared graphs itself (blank nodes differ: still covered)."""
    strategy = next(s for s in project.strategies if s.municipality == "kemi")
    asserted = _asserted(shared, strategy)
    prefix = str(IRIS.municipality("kemi")) + "/"
    from kemi_graph.pipeline.reason import project_tbox

    assert project_tbox().covers(asserted)
    assert set(infer(asserted, prefix)) == set(infer(asserted, prefix, TBox(shared)))


def test_schema_in_municipality_data_falls_back_to_owlrl(project, shared: Graph, tbox: TBox) -> None:
    """A municipality graph with its own TBox axiom is reasoned by owlrl, so the axiom takes effect."""
    asserted = Graph()
    for triple in shared:
        asserted.add(triple)
    prefix = str(IRIS.municipality("kemi")) + "/"
    special = URIRef(prefix + "test-class")
    action = URIRef(prefix + "action/1")
    kg_action = URIRef("https://w3id.org/kemi-graph/ontology#Action")
    asserted.add((action, RDF.type, kg_action))
    asserted.add((kg_action, RDFS.subClassOf, special))
    assert not tbox.covers(asserted)
    inferred = infer(asserted, prefix, tbox)
    assert (action, RDF.type, special) in inferred
    assert not any(isinstance(s, Literal) for s, _, _ in inferred)
