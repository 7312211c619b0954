"""One resource's page: its properties (asserted and inferred, each value with its graphs),
what refers to it, its SDG links and its places in the source document; and its RDF
description (:func:`description_quads`): every triple with it as subject, plus its source
locations' triples."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kemi_graph.namespaces import Iris
from kemi_graph.store import run_query
from kemi_graph.web.model.sdg import SdgGoal, SdgLink, notation_key, sdg_goals, sdg_links, sdg_notation
from kemi_graph.web.model.terms import (
    DCT, KG_NS, LANGUAGES, RDF_TYPE, RDFS, SDG_NS, SKOS, Node, PropertyRow, Value, as_int, as_node, compact, graph_ref,
    graph_sort_key, exists, known_iris, label_nodes, labels_of, own_labels, pick, select,
)

# Predicates shown first, in this order; the rest follow by their prefixed name.
_PREDICATE_ORDER = [
    RDF_TYPE,
    SKOS + "prefLabel",
    KG_NS + "verbatimText",
    KG_NS + "correctedText",
    SKOS + "altLabel",
    RDFS + "label",
    SKOS + "definition",
    SKOS + "note",
    KG_NS + "strategicGoal",
    KG_NS + "objective",
    KG_NS + "indicatorOf",
    KG_NS + "resultOf",
    KG_NS + "responsibilityOf",
    KG_NS + "responsiblePost",
    KG_NS + "schedule",
    KG_NS + "target",
    KG_NS + "answers",
    KG_NS + "status",
    KG_NS + "measurement",
    KG_NS + "period",
    KG_NS + "sdg",
    KG_NS + "plan",
    KG_NS + "sourceLocation",
]


@dataclass
class SourceLocation:
    iri: str
    document: Node | None = None
    part: int | None = None
    column: Node | None = None
    row: int | None = None
    block: int | None = None
    line: int | None = None
    sentence: int | None = None
    text: str | None = None
    headings: list[str] = field(default_factory=list)


@dataclass
class ResourceView:
    iri: str
    labels: dict[str, str]
    types: list[Node]
    properties: list[PropertyRow]
    inferred_properties: list[PropertyRow]
    incoming: list[PropertyRow]
    inferred_incoming: list[PropertyRow]
    sdgs: list[SdgLink]
    source_locations: list[SourceLocation]
    graph_size: int | None = None  # the IRI names a graph of this many triples

    def label(self, lang: str) -> str:
        return pick(self.labels, lang) or compact(self.iri)

    def other_labels(self, lang: str) -> list[tuple[str, str]]:
        """(language, label) of the languages other than the one shown first."""
        first = self.label_language(lang)
        return [(code, text) for code, text in sorted(self.labels.items()) if code != first and code]

    def label_language(self, lang: str) -> str | None:
        for candidate in (lang, *LANGUAGES):
            if self.labels.get(candidate):
                return candidate
        return None

    def sdgs_by_relation(self) -> dict[str, list[SdgLink]]:
        grouped: dict[str, list[SdgLink]] = defaultdict(list)
        for link in self.sdgs:
            grouped[link.relation].append(link)
        return dict(grouped)


def _predicate_key(iri: str) -> tuple[int, str]:
    try:
        return (_PREDICATE_ORDER.index(iri), "")
    except ValueError:
        return (len(_PREDICATE_ORDER), compact(iri))


def _value_key(value: Value) -> tuple[str, str]:
    node = value.node
    return (node.language or "", node.label("fi").casefold() if node.is_iri else node.value.casefold())


def _rows(grouped: dict[str, dict[tuple, Value]]) -> list[PropertyRow]:
    rows = []
    for predicate in sorted(grouped, key=_predicate_key):
        values = sorted(grouped[predicate].values(), key=_value_key)
        for value in values:
            value.graphs.sort(key=graph_sort_key)
        rows.append(PropertyRow(Node(predicate, "iri"), values))
    return rows


def _term_key(term: object) -> tuple:
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.language or "", term.datatype.value if term.datatype else "")
    return ("i", str(term))



def _values_by_predicate(store: ox.Store, sparql: str, subject: ox.NamedNode, iris: Iris) -> dict[str, dict[tuple, Value]]:
    """``?o``, the term at the other end of each of ``subject``'s triples (``?s``), per predicate ``?p``,
    each term once with every graph ``?g`` it is stated in."""
    found: dict[str, dict[tuple, Value]] = defaultdict(dict)
    for row in select(store, sparql, s=subject):
        key = _term_key(row["o"])
        value = found[row["p"].value].get(key)
        if value is None:
            value = found[row["p"].value][key] = Value(as_node(row["o"]), [])
        value.graphs.append(graph_ref(row["g"], iris))
    return found


def describe(store: ox.Store, iri: str, iris: Iris) -> ResourceView | None:
    """Everything the resource page of ``iri`` shows, or ``None`` if the store knows nothing of it."""
    if not exists(store, iri):
        return None
    subject = ox.NamedNode(iri)
    outgoing = _values_by_predicate(store, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", subject, iris)
    incoming = _values_by_predicate(store, "SELECT ?s ?o ?p ?g WHERE { GRAPH ?g { ?o ?p ?s } }", subject, iris)

    neighbourhood = """
        { ?s ?q ?x } UNION { ?x ?q ?s } UNION { ?s ?x ?o } UNION { ?o ?x ?s }
        UNION { ?s kg:sourceLocation ?loc . ?loc ?q ?x }"""
    labels = labels_of(store, neighbourhood, s=subject)
    known = known_iris(store, "{ ?s ?q ?x } UNION { ?x ?q ?s }", s=subject)

    def split(grouped: dict[str, dict[tuple, Value]]) -> tuple[list[PropertyRow], list[PropertyRow]]:
        asserted: dict[str, dict[tuple, Value]] = defaultdict(dict)
        inferred: dict[str, dict[tuple, Value]] = defaultdict(dict)
        for predicate, values in grouped.items():
            for key, value in values.items():
                (inferred if value.inferred_only else asserted)[predicate][key] = value
        return _rows(asserted), _rows(inferred)

    properties, inferred_properties = split(outgoing)
    incoming_rows, inferred_incoming = split(incoming)
    for row in (*properties, *inferred_properties, *incoming_rows, *inferred_incoming):
        label_nodes([row.predicate], labels)
        label_nodes([v.node for v in row.values], labels, known)

    own = own_labels(store, subject)

    types = [
        v.node
        for row in properties + inferred_properties
        if row.predicate.value == RDF_TYPE
        for v in row.values
        if not v.inferred_only
    ]
    types.sort(key=lambda n: (not n.value.startswith(KG_NS), n.value))

    goals = sdg_goals(store)
    locations = source_locations(store, subject, labels)
    _name_sdgs_and_locations(
        [v.node for row in (*properties, *inferred_properties, *incoming_rows, *inferred_incoming) for v in row.values],
        goals,
        locations,
    )
    for row in (*properties, *inferred_properties):
        if row.predicate.value in (KG_NS + "sdg", KG_NS + "inheritedSdg", DCT + "relation"):
            row.values.sort(key=lambda v: notation_key(sdg_notation(v.node.value, goals)) if v.node.value.startswith(SDG_NS) else (999,))
    graph_size = None
    size_rows = list(select(store, "SELECT ?s (COUNT(*) AS ?n) WHERE { GRAPH ?s { ?a ?b ?c } } GROUP BY ?s", s=subject))
    if size_rows and as_int(size_rows[0]["n"]):
        graph_size = as_int(size_rows[0]["n"])
    return ResourceView(
        iri=iri,
        labels=own,
        types=types,
        properties=properties,
        inferred_properties=inferred_properties,
        incoming=incoming_rows,
        inferred_incoming=inferred_incoming,
        sdgs=sdg_links(store, subject, iris, goals),
        source_locations=locations,
        graph_size=graph_size,
    )


def _name_sdgs_and_locations(nodes: list[Node], goals: dict[str, SdgGoal], locations: list[SourceLocation]) -> None:
    """SDG goals are named by number and short name; source locations by part and line (they have no label)."""
    where = {loc.iri: loc for loc in locations}
    for node in nodes:
        goal = goals.get(node.value)
        if goal is not None:
            node.labels = {lang: f"{goal.notation} {text}" for lang, text in (goal.short or goal.labels).items()}
        elif node.value in where and not node.labels:
            loc = where[node.value]
            parts_en = [f"part {loc.part}" if loc.part else None, f"line {loc.line}" if loc.line else None]
            parts_fi = [f"osa {loc.part}" if loc.part else None, f"rivi {loc.line}" if loc.line else None]
            tail = node.value.rsplit("/source/", 1)[-1]
            node.labels = {
                "en": f"source {tail} ({', '.join(p for p in parts_en if p)})",
                "fi": f"lähde {tail} ({', '.join(p for p in parts_fi if p)})",
            }


def source_locations(store: ox.Store, subject: ox.NamedNode, labels: dict[str, dict[str, str]]) -> list[SourceLocation]:
    """Where the element stands in its source document (``kg:sourceLocation``), by line."""
    found: dict[str, SourceLocation] = {}
    for row in select(store, "SELECT ?s ?loc ?p ?o WHERE { ?s kg:sourceLocation ?loc . ?loc ?p ?o }", s=subject):
        loc = found.setdefault(row["loc"].value, SourceLocation(row["loc"].value))
        name, value = row["p"].value, row["o"]
        if not name.startswith(KG_NS):
            continue
        name = name[len(KG_NS):]
        if name in ("part", "row", "block", "line", "sentence"):
            setattr(loc, name, as_int(value))
        elif name == "sourceText":
            loc.text = value.value
        elif name == "columnHeading":
            loc.headings.append(value.value)
        elif name in ("column", "sourceDocument") and isinstance(value, ox.NamedNode):
            node = Node(value.value, "iri", labels.get(value.value, {}), known=True)
            setattr(loc, "column" if name == "column" else "document", node)
    for loc in found.values():
        loc.headings.sort()
    return sorted(found.values(), key=lambda loc: (loc.line or 0, loc.sentence or 0, loc.iri))


def nearby(store: ox.Store, iri: str, limit: int = 30) -> list[Node]:
    """Resources whose IRI starts like ``iri`` (its parent path), for a helpful 404 page."""
    parent = iri.rsplit("/", 1)[0] + "/" if "/" in iri.split("://", 1)[-1] else iri
    rows = select(
        store,
        "SELECT DISTINCT ?prefix ?x WHERE { ?x a ?type . FILTER(isIRI(?x) && STRSTARTS(STR(?x), ?prefix)) } ORDER BY ?x LIMIT "
        + str(int(limit)),
        prefix=ox.Literal(parent),
    )
    nodes = [Node(row["x"].value, "iri", known=True) for row in rows]
    if nodes:
        labels = labels_of(store, "?x a ?type . FILTER(isIRI(?x) && STRSTARTS(STR(?x), ?prefix))", prefix=ox.Literal(parent))
        label_nodes(nodes, labels)
        for node in nodes:
            node.known = True
    return nodes


def description_quads(store: ox.Store, iri: str) -> list[ox.Quad]:
    """The resource's description: every triple with it as subject (all graphs), plus its source locations' triples."""
    subject = ox.NamedNode(iri)
    bindings = {ox.Variable("s"): subject}
    quads: set[ox.Quad] = set()
    # The real default graph (``serve --data`` may load into it) and every named graph.
    queries = (
        "SELECT ?s ?p ?o ?g WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }",
        f"SELECT ?s ?x ?p ?o ?g WHERE {{ GRAPH ?lg {{ ?s <{KG_NS}sourceLocation> ?x }} {{ GRAPH ?g {{ ?x ?p ?o }} }} UNION {{ ?x ?p ?o }} }}",
    )
    for sparql in queries:
        result = run_query(store, sparql, substitutions=bindings, default_graph=[ox.DefaultGraph()])
        for row in result:  # type: ignore[union-attr]
            x = row["x"] if "x" in sparql else subject
            quads.add(ox.Quad(x, row["p"], row["o"], row["g"] if row["g"] is not None else ox.DefaultGraph()))
    return sorted(quads, key=str)


def as_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The quads' triples without their graphs, each once."""
    return sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
