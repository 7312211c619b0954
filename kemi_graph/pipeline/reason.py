"""OWL 2 RL inference; only what it adds about the dataset's own resources is kept.

Method: OWL 2 RL, TBox closed by owlrl, ABox rules applied by a small forward-chaining engine in
plain Python over indexed sets.

1. **TBox, once per build.** owlrl (the reference implementation) computes the full OWL 2 RL closure
   of the shared graphs: the ontology (kemi-graph.ttl + external-axioms.ttl) and the SDG goals.
   From that closure :class:`TBox` reads the rule tables: the closed subclass and subproperty
   hierarchies (scm-sco, scm-spo, scm-eqc/eqp, scm-dom/rng are already applied by owlrl), the
   inverses, domains, ranges, transitive, symmetric and functional properties and the property
   chains. The closure itself (SDG goals included) is the engine's starting fact base.
2. **ABox, per municipality.** :meth:`TBox.apply` adds the municipality's triples and runs, to a
   fixpoint (semi-naive: each new triple is joined once against the indexes), the OWL 2 RL
   instance rules that such a TBox can trigger: cax-sco, prp-dom, prp-rng, prp-spo1, prp-inv1/2,
   prp-symp, prp-trp, prp-spo2 (chains of any length) and prp-fp; an owl:sameAs it derives
   between IRIs (an error in our data: only the suggestion graphs, which are not reasoned over,
   use functional properties) makes it hand the municipality to owlrl instead.
3. **Guard.** If a municipality graph carries schema triples of its own (a subclass axiom, an
   owl:Restriction, an owl:sameAs, …) that the TBox does not hold, the fast engine's rule tables
   would be incomplete, so that municipality is reasoned by owlrl in full (:func:`infer_owlrl`).

tests/test_reasoning.py checks that, on the Kemi data and the example municipality, the result is
*equal* (as a set of triples) to owlrl's full closure filtered the same way; owlrl stays the
reference. Kemi: about 12 CPU-seconds with owlrl, well under one second with the engine.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable

import owlrl
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from kemi_graph.pipeline.load import new_graph

# OWL-RL also derives tautologies (every resource is an owl:Thing, the same as itself); they
# would double the graph and tell a reader nothing.
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}

# Predicates that only annotate: a municipality may use them freely without changing the TBox.
_ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy}
# Types a municipality may assert about its resources without changing the TBox.
_HARMLESS_TYPES = {OWL.Thing, OWL.NamedIndividual, RDFS.Resource}

Triple = tuple[object, object, object]


def _owlrl_closure(triples: Iterable[Triple]) -> Graph:
    closure = Graph()
    for triple in triples:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    return closure


def _keep(closure: Iterable[Triple], asserted: Graph, keep_subject_prefix: str) -> Graph:
    inferred = new_graph()
    for s, p, o in closure:
        if not (isinstance(s, URIRef) and str(s).startswith(keep_subject_prefix)):
            continue
        if p == OWL.sameAs or (p == RDF.type and o in _TRIVIAL_TYPES):
            continue
        if (s, p, o) not in asserted:
            inferred.add((s, p, o))
    return inferred


def infer_owlrl(asserted: Graph, keep_subject_prefix: str) -> Graph:
    """The reference: owlrl's full OWL 2 RL closure of ``asserted``, filtered as :func:`infer` filters."""
    return _keep(_owlrl_closure(asserted), asserted, keep_subject_prefix)


def _is_schema(triple: Triple) -> bool:
    """Could this triple change the rule tables (a TBox axiom, a property characteristic, a list)?"""
    s, p, o = triple
    if p == RDF.type:
        return isinstance(o, URIRef) and str(o).startswith((str(OWL), str(RDFS))) and o not in _HARMLESS_TYPES
    if p in _ANNOTATIONS:
        return False
    return isinstance(p, URIRef) and (str(p).startswith((str(OWL), str(RDFS))) or p in (RDF.first, RDF.rest))


class _NeedsOwlrl(Exception):
    """The fast engine cannot decide this graph alone (an owl:sameAs between resources)."""


class TBox:
    """The OWL 2 RL closure of the shared graphs (by owlrl) and the instance-rule tables read from it."""

    def __init__(self, shared: Graph) -> None:
        closure = _owlrl_closure(shared)
        self.facts: frozenset[Triple] = frozenset(closure)
        self.schema: frozenset[Triple] = frozenset(t for t in self.facts if _is_schema(t))
        self.superclasses: dict[object, set[object]] = defaultdict(set)  # cax-sco (closed by scm-sco)
        self.superproperties: dict[object, set[object]] = defaultdict(set)  # prp-spo1 (closed by scm-spo)
        self.inverses: dict[object, set[object]] = defaultdict(set)  # prp-inv1/2
        self.domains: dict[object, set[object]] = defaultdict(set)  # prp-dom (closed by scm-dom1/2)
        self.ranges: dict[object, set[object]] = defaultdict(set)  # prp-rng (closed by scm-rng1/2)
        self.transitive: set[object] = set()  # prp-trp
        self.symmetric: set[object] = set()  # prp-symp
        self.functional: set[object] = set()  # prp-fp
        self.inverse_functional: set[object] = set()  # prp-ifp
        self.chains: list[tuple[tuple[object, ...], object]] = []  # prp-spo2
        for s, p, o in closure:
            if p == RDFS.subClassOf and s != o:
                self.superclasses[s].add(o)
            elif p == RDFS.subPropertyOf and s != o:
                self.superproperties[s].add(o)
            elif p == OWL.inverseOf:
                self.inverses[s].add(o)
                self.inverses[o].add(s)
            elif p == RDFS.domain:
                self.domains[s].add(o)
            elif p == RDFS.range:
                self.ranges[s].add(o)
            elif p == RDF.type and o == OWL.TransitiveProperty:
                self.transitive.add(s)
            elif p == RDF.type and o == OWL.SymmetricProperty:
                self.symmetric.add(s)
            elif p == RDF.type and o == OWL.FunctionalProperty:
                self.functional.add(s)
            elif p == RDF.type and o == OWL.InverseFunctionalProperty:
                self.inverse_functional.add(s)
            elif p == OWL.propertyChainAxiom:
                chain = tuple(Collection(closure, o))
                if chain:
                    self.chains.append((chain, s))
        self._chain_positions: dict[object, list[tuple[int, tuple[object, ...], object]]] = defaultdict(list)
        for chain, result in self.chains:
            for position, step in enumerate(chain):
                self._chain_positions[step].append((position, chain, result))
        # Rule constructs the engine does not implement: their presence sends every graph to owlrl.
        unsupported = {OWL.hasKey, OWL.onProperty, OWL.intersectionOf, OWL.unionOf, OWL.oneOf, OWL.complementOf,
                       OWL.equivalentClass, OWL.equivalentProperty, OWL.sameAs, OWL.differentFrom, OWL.AllDifferent,
                       OWL.propertyDisjointWith, OWL.disjointWith, OWL.AllDisjointClasses, OWL.AllDisjointProperties}
        self.complete = not any(
            p in unsupported or o in {OWL.Restriction, OWL.AsymmetricProperty, OWL.IrreflexiveProperty, OWL.AllDifferent}
            for s, p, o in self.schema
            if not (p in (OWL.equivalentClass, OWL.equivalentProperty) and s == o)
            and not (p == OWL.sameAs and s == o)
        )

    def covers(self, asserted: Graph) -> bool:
        """True if ``asserted`` adds no schema triple: the rule tables are then complete for it.

        Blank nodes differ between two parses of the same file, so an RDF list is judged by the
        triple that uses it: a property chain is covered if the TBox has the same chain.
        """
        if not self.complete:
            return False
        chains = set(self.chains)
        for triple in asserted:
            if triple in self.schema or not _is_schema(triple):
                continue
            s, p, o = triple
            if p in (RDF.first, RDF.rest) and isinstance(s, BNode):
                continue  # a list cell
            if p == OWL.propertyChainAxiom and (tuple(Collection(asserted, o)), s) in chains:
                continue
            return False
        return True

    def apply(self, asserted: Iterable[Triple]) -> set[Triple]:
        """The OWL 2 RL closure of the TBox's closure plus ``asserted``, by the instance rules, to a fixpoint."""
        facts: set[Triple] = set()
        by_sp: dict[tuple[object, object], set[object]] = defaultdict(set)  # (s, p) -> objects
        by_po: dict[tuple[object, object], set[object]] = defaultdict(set)  # (p, o) -> subjects
        pending: list[Triple] = []

        def add(s: object, p: object, o: object) -> None:
            if isinstance(s, Literal) or (s, p, o) in facts:
                return
            facts.add((s, p, o))
            by_sp[s, p].add(o)
            by_po[p, o].add(s)
            pending.append((s, p, o))

        for s, p, o in self.facts:
            add(s, p, o)
        pending.clear()  # already closed by owlrl
        for s, p, o in asserted:
            add(s, p, o)
        superclasses, superproperties, inverses = self.superclasses, self.superproperties, self.inverses
        domains, ranges, chain_positions = self.domains, self.ranges, self._chain_positions
        while pending:
            s, p, o = pending.pop()
            if p == RDF.type:
                for c in superclasses.get(o, ()):  # cax-sco
                    add(s, RDF.type, c)
            for c in domains.get(p, ()):  # prp-dom
                add(s, RDF.type, c)
            if not isinstance(o, Literal):
                for c in ranges.get(p, ()):  # prp-rng
                    add(o, RDF.type, c)
                for q in inverses.get(p, ()):  # prp-inv1/2
                    add(o, q, s)
                if p in self.symmetric:  # prp-symp
                    add(o, p, s)
            for q in superproperties.get(p, ()):  # prp-spo1
                add(s, q, o)
            if p in self.transitive:  # prp-trp, both ends
                for x in list(by_po.get((p, s), ())):
                    add(x, p, o)
                for y in list(by_sp.get((o, p), ())):
                    add(s, p, y)
            for position, chain, result in chain_positions.get(p, ()):  # prp-spo2
                starts = [s]
                for step in reversed(chain[:position]):
                    starts = [x for node in starts for x in by_po.get((step, node), ())]
                ends = [o]
                for step in chain[position + 1:]:
                    ends = [y for node in ends for y in by_sp.get((node, step), ())]
                for x in set(starts):
                    for y in set(ends):
                        add(x, result, y)
            if p in self.functional and len(by_sp.get((s, p), ())) > 1:  # prp-fp
                raise _NeedsOwlrl
            if p in self.inverse_functional and len(by_po.get((p, o), ())) > 1:  # prp-ifp
                raise _NeedsOwlrl
        return facts


@functools.lru_cache(maxsize=1)
def project_tbox() -> TBox:
    """The TBox of the project's own shared graphs (ontology + external axioms + SDG goals), once per process."""
    from kemi_graph.pipeline.load import shared_graphs

    shared = shared_graphs()
    union = Graph()
    for graph in (shared.ontology, shared.sdg_goals):
        for triple in graph:
            union.add(triple)
    return TBox(union)


def infer(asserted: Graph, keep_subject_prefix: str, tbox: TBox | None = None) -> Graph:
    """The triples OWL-RL entails from ``asserted`` that were not asserted, about IRIs under the prefix.

    ``asserted`` is one municipality's graphs with the shared graphs; ``tbox`` the closure of the
    shared graphs (default: :func:`project_tbox`). Equal to :func:`infer_owlrl` (see the module doc).
    """
    tbox = tbox if tbox is not None else project_tbox()
    if not tbox.covers(asserted):
        return infer_owlrl(asserted, keep_subject_prefix)
    try:
        closure = tbox.apply(asserted)
    except _NeedsOwlrl:
        return infer_owlrl(asserted, keep_subject_prefix)
    return _keep(closure, asserted, keep_subject_prefix)
