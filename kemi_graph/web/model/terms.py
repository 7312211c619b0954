"""Terms as pages show them: nodes with their labels, graphs by kind, and the query and
label helpers every page model uses. No Flask here: functions take a store and return plain data."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kemi_graph.namespaces import KG, PREFIXES, SDG, Iris
from kemi_graph.store import run_query

RDF_TYPE = PREFIXES["rdf"] + "type"
SKOS = PREFIXES["skos"]
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
DCT = PREFIXES["dct"]
KG_NS = str(KG)
SDG_NS = str(SDG)
LANGUAGES = ("fi", "en")

# The order of the badges, and of graphs within one value.
GRAPH_KINDS = ("city", "interpretation", "suggestions", "inferred", "ontology", "sdg-goals", "default", "other")


# Properties whose value names the resource: first found wins, per language.
LABEL_PROPERTIES = (SKOS + "prefLabel", RDFS + "label", DCT + "title", PREFIXES["foaf"] + "name", SKOS + "altLabel")


@dataclass(frozen=True)
class GraphRef:
    """A named graph and what it holds for a reader: ``kind`` is one of :data:`GRAPH_KINDS`."""

    iri: str | None
    kind: str


@dataclass
class Node:
    """An RDF term as a page shows it: an IRI with its labels, or a literal."""

    value: str
    kind: str  # "iri", "literal" or "bnode"
    labels: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    datatype: str | None = None
    known: bool = False  # the store says something about this IRI

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"

    @property
    def compact(self) -> str:
        return compact(self.value) if self.is_iri else self.value

    def label(self, lang: str) -> str:
        """The label in ``lang``, else in the other page language, else any, else the prefixed name."""
        if not self.is_iri:
            return self.value
        for candidate in (lang, *LANGUAGES, ""):
            if self.labels.get(candidate):
                return self.labels[candidate]
        if self.labels:
            return next(iter(self.labels.values()))
        return self.compact

    def label_language(self, lang: str) -> str | None:
        """The language of :meth:`label` (for ``lang`` attributes), ``None`` when it is not language-tagged."""
        if not self.is_iri:
            return self.language
        for candidate in (lang, *LANGUAGES):
            if self.labels.get(candidate):
                return candidate
        return None

    @property
    def datatype_compact(self) -> str | None:
        if self.datatype is None or self.datatype in (PREFIXES["xsd"] + "string", PREFIXES["rdf"] + "langString"):
            return None
        return compact(self.datatype)


@dataclass
class Value:
    node: Node
    graphs: list[GraphRef]

    @property
    def inferred_only(self) -> bool:
        return all(g.kind == "inferred" for g in self.graphs)


@dataclass
class PropertyRow:
    predicate: Node
    values: list[Value]


def pick(labels: dict[str, str], lang: str) -> str | None:
    for candidate in (lang, *LANGUAGES, ""):
        if labels.get(candidate):
            return labels[candidate]
    return next(iter(labels.values()), None) if labels else None


def compact(iri: str) -> str:
    """``skos:prefLabel`` for a well-known IRI (longest matching namespace), else the IRI."""
    best = ""
    best_prefix = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, best_prefix = namespace, prefix
    if best and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", iri[len(best):] or "-"):
        return f"{best_prefix}:{iri[len(best):]}"
    return iri


def graph_ref(graph: ox.NamedNode | ox.DefaultGraph | None, iris: Iris) -> GraphRef:
    """Classify a graph by its IRI under the base: ``{base}/graph/{m}/city`` is a city graph, and so on."""
    if graph is None or isinstance(graph, ox.DefaultGraph):
        return GraphRef(None, "default")
    iri = graph.value
    prefix = iris.graph_prefix
    if iri.startswith(prefix):
        rest = iri[len(prefix):].split("/")
        if rest == ["ontology"]:
            return GraphRef(iri, "ontology")
        if rest == ["sdg-goals"]:
            return GraphRef(iri, "sdg-goals")
        if len(rest) == 2 and rest[1] in ("city", "interpretation", "inferred"):
            return GraphRef(iri, rest[1])
        if len(rest) == 2 and rest[1] == "suggested":
            return GraphRef(iri, "suggestions")
    return GraphRef(iri, "other")


def graph_sort_key(ref: GraphRef) -> tuple[int, str]:
    return (GRAPH_KINDS.index(ref.kind), ref.iri or "")


def as_node(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    if isinstance(term, ox.NamedNode):
        return Node(term.value, "iri")
    if isinstance(term, ox.Literal):
        return Node(term.value, "literal", language=term.language, datatype=term.datatype.value if term.datatype else None)
    if isinstance(term, ox.BlankNode):
        return Node("_:" + term.value, "bnode")
    return Node(str(term), "literal")


def as_int(term: object) -> int | None:
    try:
        return int(term.value)  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return None


def select(store: ox.Store, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> ox.QuerySolutions:
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    result = run_query(store, prologue + sparql, substitutions={ox.Variable(k): v for k, v in bindings.items()})
    assert isinstance(result, ox.QuerySolutions)
    return result


LABEL_VALUES = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)


def labels_of(store: ox.Store, pattern: str, **bindings: ox.NamedNode | ox.Literal) -> dict[str, dict[str, str]]:
    """Labels of every ``?x`` the graph pattern ``pattern`` binds: {iri: {lang: label}}.

    The first label property of :data:`LABEL_PROPERTIES` that has a value in a language wins
    for that language.
    """
    found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    bound = " ".join("?" + name for name in bindings)
    nodes = {
        row["x"] for row in select(store, f"SELECT DISTINCT ?x {bound} WHERE {{ {pattern} }}", **bindings)
        if isinstance(row["x"], ox.NamedNode)
    }
    if not nodes:
        return {}
    # The nodes go in as VALUES (pyoxigraph writes each as an escaped IRI): joined with the
    # pattern instead, the engine may scan every label in the store first (slow once the UN
    # SDG KOS, with its labels in three languages, is loaded).
    sparql = (
        f"SELECT ?x ?labelp ?label WHERE {{ VALUES ?x {{ {' '.join(map(str, sorted(nodes, key=str)))} }} "
        f"VALUES ?labelp {{ {LABEL_VALUES} }} ?x ?labelp ?label . FILTER(isLiteral(?label)) }}"
    )
    for row in select(store, sparql):
        x, p, label = row["x"], row["labelp"], row["label"]
        if not isinstance(x, ox.NamedNode):
            continue
        rank = LABEL_PROPERTIES.index(p.value)
        lang = label.language or ""
        current = found[x.value].get(lang)
        if current is None or (rank, label.value) < current:
            found[x.value][lang] = (rank, label.value)
    return {iri: {lang: text for lang, (_, text) in by_lang.items()} for iri, by_lang in found.items()}


def own_labels(store: ox.Store, subject: ox.NamedNode) -> dict[str, str]:
    """The resource's own labels, {lang: label}, by the order of :data:`LABEL_PROPERTIES`."""
    found: dict[str, tuple[int, str]] = {}
    sparql = f"SELECT ?s ?p ?label WHERE {{ VALUES ?p {{ {LABEL_VALUES} }} ?s ?p ?label . FILTER(isLiteral(?label)) }}"
    for row in select(store, sparql, s=subject):
        rank, lang = LABEL_PROPERTIES.index(row["p"].value), row["label"].language or ""
        if lang not in found or (rank, row["label"].value) < found[lang]:
            found[lang] = (rank, row["label"].value)
    return {lang: text for lang, (_, text) in found.items()}


def known_iris(store: ox.Store, pattern: str, **bindings: ox.NamedNode | ox.Literal) -> set[str]:
    """Which ``?x`` of ``pattern`` are the subject of some triple in the store."""
    bound = " ".join("?" + name for name in bindings)
    sparql = f"SELECT DISTINCT ?x {bound} WHERE {{ {{ {pattern} }} FILTER EXISTS {{ ?x ?anyp ?anyo }} }}"
    return {row["x"].value for row in select(store, sparql, **bindings) if isinstance(row["x"], ox.NamedNode)}


def label_nodes(nodes: Iterable[Node], labels: dict[str, dict[str, str]], known: set[str] | None = None) -> None:
    for node in nodes:
        if node.is_iri:
            node.labels = labels.get(node.value, {})
            node.known = known is None or node.value in known


def exists(store: ox.Store, iri: str) -> bool:
    """The store says something about ``iri`` (as subject, object or graph name)."""
    result = run_query(
        store,
        "ASK { { ?s ?p ?o } UNION { ?o2 ?p2 ?s } UNION { GRAPH ?s { ?a ?b ?c } } }",
        substitutions={ox.Variable("s"): ox.NamedNode(iri)},
    )
    return bool(result)
