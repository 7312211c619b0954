"""The ontology page: every ``kg:`` term with its labels, definitions and main axioms, by kind."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from kemi_graph.namespaces import ONTOLOGY_IRI
from kemi_graph.web.model.resource import as_triples
from kemi_graph.web.model.terms import DCT, KG_NS, OWL, RDF_TYPE, RDFS, SKOS, Node, PropertyRow, Value, as_node, label_nodes, labels_of, select

@dataclass
class OntologyTerm:
    node: Node
    anchor: str
    definitions: dict[str, str]
    axioms: list[PropertyRow]


@dataclass
class OntologySection:
    key: str  # "classes", "object-properties", "datatype-properties", "schemes", "concepts", "other"
    terms: list[OntologyTerm]


@dataclass
class OntologyView:
    node: Node
    descriptions: dict[str, str]
    header: list[PropertyRow]
    sections: list[OntologySection]


_SECTION_TYPES = (
    ("classes", OWL + "Class"),
    ("object-properties", OWL + "ObjectProperty"),
    ("datatype-properties", OWL + "DatatypeProperty"),
    ("annotation-properties", OWL + "AnnotationProperty"),
    ("schemes", SKOS + "ConceptScheme"),
    ("concepts", SKOS + "Concept"),
)
_AXIOMS = (
    RDFS + "subClassOf",
    RDFS + "subPropertyOf",
    OWL + "inverseOf",
    RDFS + "domain",
    RDFS + "range",
    OWL + "propertyChainAxiom",
    SKOS + "inScheme",
    SKOS + "notation",
)


def ontology_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The named graphs that hold the ontology (its ``owl:Ontology`` declaration)."""
    return [
        row["g"]
        for row in select(store, "SELECT DISTINCT ?o ?g WHERE { GRAPH ?g { ?o a owl:Ontology } }", o=ox.NamedNode(str(ONTOLOGY_IRI)))
    ]


def ontology_quads(store: ox.Store) -> list[ox.Quad]:
    """The whole ontology: its graphs, or (with no such graph) every triple about a ``kg:`` term."""
    graphs = ontology_graphs(store)
    if graphs:
        quads = [
            ox.Quad(row["s"], row["p"], row["o"], row["g"])
            for g in graphs
            for row in select(store, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", g=g)
        ]
    else:
        quads = [
            ox.Quad(row["s"], row["p"], row["o"], ox.DefaultGraph())
            for row in select(
                store,
                "SELECT DISTINCT ?s ?p ?o ?ns ?ont WHERE { ?s ?p ?o . FILTER(isIRI(?s) && (STRSTARTS(STR(?s), ?ns) || ?s = ?ont)) }",
                ns=ox.Literal(KG_NS),
                ont=ox.NamedNode(str(ONTOLOGY_IRI)),
            )
        ]
    return sorted(set(quads), key=str)


def ontology(store: ox.Store) -> OntologyView:
    """Every ``kg:`` term with its fi/en labels, definitions and main axioms, by kind."""
    triples = as_triples(ontology_quads(store))
    about: dict[str, dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            about[t.subject.value][t.predicate.value].append(t.object)
    labels = labels_of(
        store, "?s ?p ?x . FILTER(isIRI(?s) && (STRSTARTS(STR(?s), ?ns) || ?s = ?ont))", ns=ox.Literal(KG_NS), ont=ox.NamedNode(str(ONTOLOGY_IRI))
    )

    def lang_map(values: list) -> dict[str, str]:
        out: dict[str, str] = {}
        for v in values:
            if isinstance(v, ox.Literal):
                out.setdefault(v.language or "", v.value)
        return out

    sections: dict[str, list[OntologyTerm]] = defaultdict(list)
    for iri in sorted(about):
        if not iri.startswith(KG_NS) or iri == KG_NS:
            continue
        props = about[iri]
        types = {t.value for t in props.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)}
        key = next((name for name, cls in _SECTION_TYPES if cls in types), "other")
        axioms = []
        for predicate in _AXIOMS:
            values = [v for v in props.get(predicate, []) if not isinstance(v, ox.BlankNode)]
            if values:
                nodes = [as_node(v) for v in values]
                label_nodes(nodes, labels)
                for n in nodes:
                    n.known = True
                axioms.append(PropertyRow(Node(predicate, "iri"), [Value(n, []) for n in nodes]))
        node = Node(iri, "iri", labels.get(iri, {}), known=True)
        definitions = lang_map(props.get(SKOS + "definition", []) or props.get(RDFS + "comment", []))
        sections[key].append(OntologyTerm(node, iri[len(KG_NS):], definitions, axioms))
    ordered = [OntologySection(name, sections[name]) for name, _ in _SECTION_TYPES if sections.get(name)]
    if sections.get("other"):
        ordered.append(OntologySection("other", sections["other"]))

    ont = about.get(str(ONTOLOGY_IRI), {})
    header = []
    for predicate in (OWL + "versionIRI", OWL + "versionInfo", DCT + "license", DCT + "creator", DCT + "modified"):
        if ont.get(predicate):
            header.append(PropertyRow(Node(predicate, "iri"), [Value(as_node(v), []) for v in ont[predicate]]))
    title_node = Node(str(ONTOLOGY_IRI), "iri", lang_map(ont.get(DCT + "title", [])) or labels.get(str(ONTOLOGY_IRI), {}), known=True)
    return OntologyView(title_node, lang_map(ont.get(DCT + "description", [])), header, ordered)
