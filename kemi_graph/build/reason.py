"""OWL 2 RL inference with owlrl; only what it adds about the dataset's own resources is kept."""

from __future__ import annotations

import owlrl
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kemi_graph.build.load import new_graph

# OWL-RL also derives tautologies (every resource is an owl:Thing, the same as itself); they
# would double the graph and tell a reader nothing.
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}


def infer(asserted: Graph, keep_subject_prefix: str) -> Graph:
    """The triples OWL-RL entails from ``asserted`` that were not asserted, about IRIs under the prefix."""
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    inferred = new_graph()
    for s, p, o in closure:
        if not (isinstance(s, URIRef) and str(s).startswith(keep_subject_prefix)):
            continue
        if p == OWL.sameAs or (p == RDF.type and o in _TRIVIAL_TYPES):
            continue
        if (s, p, o) not in asserted:
            inferred.add((s, p, o))
    return inferred
