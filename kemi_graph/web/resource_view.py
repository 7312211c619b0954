"""What a page shows, gathered from the store by SPARQL into plain dataclasses.

No Flask here (and no request): every function takes a store and IRIs, binds them into its
queries through pyoxigraph substitutions, and returns dataclasses that templates render and
tests inspect. Labels are resolved here, so a page never shows a bare IRI where the store
knows a label; named graphs are classified here, so a page can say which value is the city's
statement, which the project's interpretation and which an OWL-RL inference.

The RDF description of a resource is defined here too (:func:`description_quads`): all
triples with the resource as subject (from every graph), plus the triples of its source
locations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kemi_graph.namespaces import KG, ONTOLOGY_IRI, PREFIXES, SDG, Iris
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

# Properties whose value names the resource: first found wins, per language.
_LABEL_PROPERTIES = (SKOS + "prefLabel", RDFS + "label", DCT + "title", PREFIXES["foaf"] + "name", SKOS + "altLabel")

_COLOR = re.compile(r"#[0-9A-Fa-f]{3,8}")


# ---------------------------------------------------------------------------------------
# Plain data
# ---------------------------------------------------------------------------------------


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
class SdgGoal:
    iri: str
    notation: str
    color: str | None
    labels: dict[str, str]  # full titles
    short: dict[str, str]  # short names (skos:altLabel)

    def label(self, lang: str) -> str:
        return _pick(self.short, lang) or _pick(self.labels, lang) or self.notation

    def title(self, lang: str) -> str:
        return _pick(self.labels, lang) or self.label(lang)


@dataclass
class SdgLink:
    """A link from an element to an SDG goal, target or indicator, and how it was made."""

    sdg: Node
    notation: str
    color: str | None
    relation: str  # "stated" (city graph), "suggested" (interpretation), "inherited" (inferred), "linked" (other)
    graph: GraphRef


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
        return _pick(self.labels, lang) or compact(self.iri)

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


@dataclass
class GraphCount:
    graph: GraphRef
    triples: int


@dataclass
class ClassCount:
    cls: Node
    count: int


@dataclass
class GoalSummary:
    node: Node
    objectives: int
    sdgs: list[SdgLink]


@dataclass
class LandingView:
    title: dict[str, str]
    graphs: list[GraphCount]
    classes: list[ClassCount]
    goals: list[GoalSummary]
    total_triples: int


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


@dataclass
class SdgElement:
    node: Node
    types: list[Node]
    relation: str
    graph: GraphRef


@dataclass
class SdgView:
    node: Node
    goal: SdgGoal | None
    elements: list[SdgElement]

    def by_relation(self) -> dict[str, list[SdgElement]]:
        grouped: dict[str, list[SdgElement]] = defaultdict(list)
        for element in self.elements:
            grouped[element.relation].append(element)
        return dict(grouped)


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _pick(labels: dict[str, str], lang: str) -> str | None:
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


def _graph_sort_key(ref: GraphRef) -> tuple[int, str]:
    return (GRAPH_KINDS.index(ref.kind), ref.iri or "")


def _node(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    if isinstance(term, ox.NamedNode):
        return Node(term.value, "iri")
    if isinstance(term, ox.Literal):
        return Node(term.value, "literal", language=term.language, datatype=term.datatype.value if term.datatype else None)
    if isinstance(term, ox.BlankNode):
        return Node("_:" + term.value, "bnode")
    return Node(str(term), "literal")


def _int(term: object) -> int | None:
    try:
        return int(term.value)  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return None


def _query(store: ox.Store, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> ox.QuerySolutions:
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    result = run_query(store, prologue + sparql, substitutions={ox.Variable(k): v for k, v in bindings.items()})
    assert isinstance(result, ox.QuerySolutions)
    return result


_LABEL_VALUES = " ".join(f"<{p}>" for p in _LABEL_PROPERTIES)


def _labels_of(store: ox.Store, pattern: str, **bindings: ox.NamedNode | ox.Literal) -> dict[str, dict[str, str]]:
    """Labels of every ``?x`` the graph pattern ``pattern`` binds: {iri: {lang: label}}.

    The first label property of :data:`_LABEL_PROPERTIES` that has a value in a language wins
    for that language.
    """
    found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    bound = " ".join("?" + name for name in bindings)
    nodes = {
        row["x"] for row in _query(store, f"SELECT DISTINCT ?x {bound} WHERE {{ {pattern} }}", **bindings)
        if isinstance(row["x"], ox.NamedNode)
    }
    if not nodes:
        return {}
    # The nodes go in as VALUES (pyoxigraph writes each as an escaped IRI): joined with the
    # pattern instead, the engine may scan every label in the store first (slow once the UN
    # SDG KOS, with its labels in three languages, is loaded).
    sparql = (
        f"SELECT ?x ?labelp ?label WHERE {{ VALUES ?x {{ {' '.join(map(str, sorted(nodes, key=str)))} }} "
        f"VALUES ?labelp {{ {_LABEL_VALUES} }} ?x ?labelp ?label . FILTER(isLiteral(?label)) }}"
    )
    for row in _query(store, sparql):
        x, p, label = row["x"], row["labelp"], row["label"]
        if not isinstance(x, ox.NamedNode):
            continue
        rank = _LABEL_PROPERTIES.index(p.value)
        lang = label.language or ""
        current = found[x.value].get(lang)
        if current is None or (rank, label.value) < current:
            found[x.value][lang] = (rank, label.value)
    return {iri: {lang: text for lang, (_, text) in by_lang.items()} for iri, by_lang in found.items()}


def _own_labels(store: ox.Store, subject: ox.NamedNode) -> dict[str, str]:
    """The resource's own labels, {lang: label}, by the order of :data:`_LABEL_PROPERTIES`."""
    found: dict[str, tuple[int, str]] = {}
    sparql = f"SELECT ?s ?p ?label WHERE {{ VALUES ?p {{ {_LABEL_VALUES} }} ?s ?p ?label . FILTER(isLiteral(?label)) }}"
    for row in _query(store, sparql, s=subject):
        rank, lang = _LABEL_PROPERTIES.index(row["p"].value), row["label"].language or ""
        if lang not in found or (rank, row["label"].value) < found[lang]:
            found[lang] = (rank, row["label"].value)
    return {lang: text for lang, (_, text) in found.items()}


def _known_iris(store: ox.Store, pattern: str, **bindings: ox.NamedNode | ox.Literal) -> set[str]:
    """Which ``?x`` of ``pattern`` are the subject of some triple in the store."""
    bound = " ".join("?" + name for name in bindings)
    sparql = f"SELECT DISTINCT ?x {bound} WHERE {{ {{ {pattern} }} FILTER EXISTS {{ ?x ?anyp ?anyo }} }}"
    return {row["x"].value for row in _query(store, sparql, **bindings) if isinstance(row["x"], ox.NamedNode)}


def _label_nodes(nodes: Iterable[Node], labels: dict[str, dict[str, str]], known: set[str] | None = None) -> None:
    for node in nodes:
        if node.is_iri:
            node.labels = labels.get(node.value, {})
            node.known = known is None or node.value in known


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
            value.graphs.sort(key=_graph_sort_key)
        rows.append(PropertyRow(Node(predicate, "iri"), values))
    return rows


def _term_key(term: object) -> tuple:
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.language or "", term.datatype.value if term.datatype else "")
    return ("i", str(term))


# ---------------------------------------------------------------------------------------
# SDG goals
# ---------------------------------------------------------------------------------------


def sdg_goals(store: ox.Store) -> dict[str, SdgGoal]:
    """The SDG goals the store knows (UN IRIs), with their numbers, colours and names."""
    goals: dict[str, SdgGoal] = {}
    sparql = """
        SELECT ?goal ?notation ?color ?p ?label ?ns WHERE {
          ?goal skos:notation ?notation .
          FILTER(STRSTARTS(STR(?goal), ?ns) && REGEX(STR(?notation), "^[0-9]+$"))
          OPTIONAL { VALUES ?cp { <http://schema.org/color> <https://schema.org/color> } ?goal ?cp ?color }
          OPTIONAL { VALUES ?p { skos:prefLabel skos:altLabel } ?goal ?p ?label }
        }"""
    for row in _query(store, sparql, ns=ox.Literal(SDG_NS)):
        iri = row["goal"].value
        goal = goals.get(iri)
        if goal is None:
            color = row["color"].value if row["color"] is not None else None
            if color is not None and not _COLOR.fullmatch(color):
                color = None  # only a hex colour may reach a style attribute
            goal = goals[iri] = SdgGoal(iri, row["notation"].value, color, {}, {})
        label = row["label"]
        if label is not None:
            target = goal.short if row["p"].value.endswith("altLabel") else goal.labels
            target.setdefault(label.language or "", label.value)
    return goals


def _goal_of(iri: str, notation: str | None, goals: dict[str, SdgGoal]) -> SdgGoal | None:
    """The goal an SDG goal, target (``sdg:3.8``) or indicator belongs to, by its number."""
    if iri in goals:
        return goals[iri]
    text = (notation or iri[len(SDG_NS):]) if iri.startswith(SDG_NS) else (notation or "")
    match = re.match(r"(\d+)", text or "")
    if match:
        return goals.get(SDG_NS + str(int(match.group(1))))
    return None


def sdg_notation(iri: str, goals: dict[str, SdgGoal]) -> str:
    goal = goals.get(iri)
    if goal is not None:
        return goal.notation
    return iri[len(SDG_NS):] if iri.startswith(SDG_NS) else compact(iri)


def _relation(predicate: str, graph: GraphRef) -> str:
    if predicate == KG_NS + "inheritedSdg":
        return "inherited"
    return {"city": "stated", "suggestions": "suggested", "inferred": "inherited"}.get(graph.kind, "linked")


_RELATION_ORDER = ("stated", "suggested", "linked", "inherited")


def _sdg_links(store: ox.Store, subject: ox.NamedNode, iris: Iris, goals: dict[str, SdgGoal]) -> list[SdgLink]:
    sparql = """
        SELECT ?s ?sdg ?p ?g WHERE {
          VALUES ?p { kg:sdg kg:inheritedSdg kg:suggestedSdg } GRAPH ?g { ?s ?p ?sdg } FILTER(isIRI(?sdg)) }"""
    links: dict[tuple[str, str], SdgLink] = {}
    for row in _query(store, sparql, s=subject):
        ref = graph_ref(row["g"], iris)
        relation = _relation(row["p"].value, ref)
        iri = row["sdg"].value
        goal = _goal_of(iri, None, goals)
        key = (iri, relation)
        if key not in links:
            links[key] = SdgLink(Node(iri, "iri"), sdg_notation(iri, goals), goal.color if goal else None, relation, ref)
    direct = {iri for iri, rel in links if rel != "inherited"}
    kept = [link for (iri, rel), link in links.items() if rel != "inherited" or iri not in direct]
    labels = {g.iri: g.short for g in goals.values()}
    for link in kept:
        link.sdg.labels = labels.get(link.sdg.value, {})
        link.sdg.known = True
    return sorted(kept, key=lambda link: (_RELATION_ORDER.index(link.relation), _notation_key(link.notation)))


def _notation_key(notation: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", notation))


# ---------------------------------------------------------------------------------------
# A resource
# ---------------------------------------------------------------------------------------


def exists(store: ox.Store, iri: str) -> bool:
    """The store says something about ``iri`` (as subject, object or graph name)."""
    result = run_query(
        store,
        "ASK { { ?s ?p ?o } UNION { ?o2 ?p2 ?s } UNION { GRAPH ?s { ?a ?b ?c } } }",
        substitutions={ox.Variable("s"): ox.NamedNode(iri)},
    )
    return bool(result)


def describe(store: ox.Store, iri: str, iris: Iris) -> ResourceView | None:
    """Everything the resource page of ``iri`` shows, or ``None`` if the store knows nothing of it."""
    if not exists(store, iri):
        return None
    subject = ox.NamedNode(iri)
    outgoing: dict[str, dict[tuple, Value]] = defaultdict(dict)
    for row in _query(store, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", s=subject):
        key = _term_key(row["o"])
        value = outgoing[row["p"].value].get(key)
        if value is None:
            value = outgoing[row["p"].value][key] = Value(_node(row["o"]), [])
        value.graphs.append(graph_ref(row["g"], iris))
    incoming: dict[str, dict[tuple, Value]] = defaultdict(dict)
    for row in _query(store, "SELECT ?s ?x ?p ?g WHERE { GRAPH ?g { ?x ?p ?s } }", s=subject):
        key = _term_key(row["x"])
        value = incoming[row["p"].value].get(key)
        if value is None:
            value = incoming[row["p"].value][key] = Value(_node(row["x"]), [])
        value.graphs.append(graph_ref(row["g"], iris))

    neighbourhood = """
        { ?s ?q ?x } UNION { ?x ?q ?s } UNION { ?s ?x ?o } UNION { ?o ?x ?s }
        UNION { ?s kg:sourceLocation ?loc . ?loc ?q ?x }"""
    labels = _labels_of(store, neighbourhood, s=subject)
    known = _known_iris(store, "{ ?s ?q ?x } UNION { ?x ?q ?s }", s=subject)

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
        _label_nodes([row.predicate], labels)
        _label_nodes([v.node for v in row.values], labels, known)

    own_labels: dict[str, str] = {}
    own = _own_labels(store, subject)
    own_labels.update(own)

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
            row.values.sort(key=lambda v: _notation_key(sdg_notation(v.node.value, goals)) if v.node.value.startswith(SDG_NS) else (999,))
    graph_size = None
    size_rows = list(_query(store, "SELECT ?s (COUNT(*) AS ?n) WHERE { GRAPH ?s { ?a ?b ?c } } GROUP BY ?s", s=subject))
    if size_rows and _int(size_rows[0]["n"]):
        graph_size = _int(size_rows[0]["n"])
    return ResourceView(
        iri=iri,
        labels=own_labels,
        types=types,
        properties=properties,
        inferred_properties=inferred_properties,
        incoming=incoming_rows,
        inferred_incoming=inferred_incoming,
        sdgs=_sdg_links(store, subject, iris, goals),
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
    for row in _query(store, "SELECT ?s ?loc ?p ?o WHERE { ?s kg:sourceLocation ?loc . ?loc ?p ?o }", s=subject):
        loc = found.setdefault(row["loc"].value, SourceLocation(row["loc"].value))
        name, value = row["p"].value, row["o"]
        if not name.startswith(KG_NS):
            continue
        name = name[len(KG_NS):]
        if name in ("part", "row", "block", "line", "sentence"):
            setattr(loc, name, _int(value))
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
    rows = _query(
        store,
        "SELECT DISTINCT ?prefix ?x WHERE { ?x a ?type . FILTER(isIRI(?x) && STRSTARTS(STR(?x), ?prefix)) } ORDER BY ?x LIMIT "
        + str(int(limit)),
        prefix=ox.Literal(parent),
    )
    nodes = [Node(row["x"].value, "iri", known=True) for row in rows]
    if nodes:
        labels = _labels_of(store, "?x a ?type . FILTER(isIRI(?x) && STRSTARTS(STR(?x), ?prefix))", prefix=ox.Literal(parent))
        _label_nodes(nodes, labels)
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


# ---------------------------------------------------------------------------------------
# Landing page
# ---------------------------------------------------------------------------------------


def landing(store: ox.Store, iris: Iris) -> LandingView:
    graphs = [
        GraphCount(graph_ref(row["g"], iris), _int(row["n"]) or 0)
        for row in _query(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    ]
    graphs.sort(key=lambda c: _graph_sort_key(c.graph))
    default_count = run_query(
        store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=[ox.DefaultGraph()], named_graphs=[]
    )
    default_n = next((_int(row["n"]) for row in default_count), 0)  # type: ignore[union-attr]
    if default_n:
        graphs.append(GraphCount(GraphRef(None, "default"), default_n))

    classes = [
        ClassCount(Node(row["c"].value, "iri"), _int(row["n"]) or 0)
        for row in _query(
            store,
            "SELECT ?ns ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?c), ?ns)) } GROUP BY ?ns ?c",
            ns=ox.Literal(KG_NS),
        )
    ]
    class_labels = _labels_of(store, "?s a ?x . FILTER(STRSTARTS(STR(?x), ?ns))", ns=ox.Literal(KG_NS))
    _label_nodes([c.cls for c in classes], class_labels)
    order = ["StrategicGoal", "Objective", "Action", "Responsibility", "Indicator", "Target", "Result", "Measurement"]
    classes.sort(key=lambda c: (order.index(c.cls.value[len(KG_NS):]) if c.cls.value[len(KG_NS):] in order else len(order), c.cls.label("en")))

    goals_rows = _query(
        store,
        """SELECT ?goal (COUNT(DISTINCT ?objective) AS ?n) (MIN(?line) AS ?first) WHERE {
             ?goal a kg:StrategicGoal .
             OPTIONAL { ?objective kg:strategicGoal ?goal }
             OPTIONAL { ?goal kg:sourceLocation/kg:line ?line }
           } GROUP BY ?goal ORDER BY ?first ?goal""",
    )
    sdgs = sdg_goals(store)
    goal_labels = _labels_of(store, "?x a kg:StrategicGoal")
    goals = []
    for row in goals_rows:
        node = Node(row["goal"].value, "iri", goal_labels.get(row["goal"].value, {}), known=True)
        links = [link for link in _sdg_links(store, row["goal"], iris, sdgs) if link.relation != "inherited"]
        goals.append(GoalSummary(node, _int(row["n"]) or 0, links))

    title: dict[str, str] = {}
    plans = _labels_of(store, "?x a kg:ImplementationPlan")
    for by_lang in plans.values():
        for lang, text in by_lang.items():
            title.setdefault(lang, text)
    return LandingView(title, graphs, classes, goals, sum(c.triples for c in graphs))


# ---------------------------------------------------------------------------------------
# The ontology
# ---------------------------------------------------------------------------------------

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
        for row in _query(store, "SELECT DISTINCT ?o ?g WHERE { GRAPH ?g { ?o a owl:Ontology } }", o=ox.NamedNode(str(ONTOLOGY_IRI)))
    ]


def ontology_quads(store: ox.Store) -> list[ox.Quad]:
    """The whole ontology: its graphs, or (with no such graph) every triple about a ``kg:`` term."""
    graphs = ontology_graphs(store)
    if graphs:
        quads = [
            ox.Quad(row["s"], row["p"], row["o"], row["g"])
            for g in graphs
            for row in _query(store, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", g=g)
        ]
    else:
        quads = [
            ox.Quad(row["s"], row["p"], row["o"], ox.DefaultGraph())
            for row in _query(
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
    labels = _labels_of(
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
                nodes = [_node(v) for v in values]
                _label_nodes(nodes, labels)
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
            header.append(PropertyRow(Node(predicate, "iri"), [Value(_node(v), []) for v in ont[predicate]]))
    title_node = Node(str(ONTOLOGY_IRI), "iri", lang_map(ont.get(DCT + "title", [])) or labels.get(str(ONTOLOGY_IRI), {}), known=True)
    return OntologyView(title_node, lang_map(ont.get(DCT + "description", [])), header, ordered)


# ---------------------------------------------------------------------------------------
# An SDG goal, target or indicator
# ---------------------------------------------------------------------------------------


def sdg(store: ox.Store, iri: str, iris: Iris) -> SdgView | None:
    """The SDG IRI with the elements linked to it (stated, suggested, inherited)."""
    if not exists(store, iri):
        return None
    target = ox.NamedNode(iri)
    goals = sdg_goals(store)
    elements: dict[tuple[str, str], SdgElement] = {}
    for row in _query(
        store,
        # A suggestion names a target; the goal's page lists it through the suggestion's goal, when
        # it is shown by default (kg:suggestedSdg to its target: at or above the method's threshold).
        """SELECT ?sdg ?x ?p ?g WHERE {
             { VALUES ?p { kg:sdg kg:inheritedSdg kg:suggestedSdg } GRAPH ?g { ?x ?p ?sdg } }
             UNION { GRAPH ?g { ?suggestion kg:suggestionOf ?x ; kg:suggestedGoal ?sdg ; kg:suggestedTarget ?t . ?x kg:suggestedSdg ?t }
                     BIND(kg:suggestedSdg AS ?p) } }""",
        sdg=target,
    ):
        ref = graph_ref(row["g"], iris)
        relation = _relation(row["p"].value, ref)
        key = (row["x"].value, relation)
        elements.setdefault(key, SdgElement(_node(row["x"]), [], relation, ref))
    direct = {x for x, rel in elements if rel != "inherited"}
    kept = [e for (x, rel), e in elements.items() if rel != "inherited" or x not in direct]
    labels = _labels_of(
        store,
        "{ VALUES ?p { kg:sdg kg:inheritedSdg } ?x ?p ?sdg } UNION { VALUES ?p { kg:sdg kg:inheritedSdg } ?y ?p ?sdg . ?y a ?x }",
        sdg=target,
    )
    types: dict[str, list[Node]] = defaultdict(list)
    for row in _query(
        store,
        "SELECT DISTINCT ?sdg ?ns ?x ?t WHERE { VALUES ?p { kg:sdg kg:inheritedSdg } ?x ?p ?sdg . GRAPH ?g { ?x a ?t } FILTER(STRSTARTS(STR(?t), ?ns) && !STRENDS(STR(?g), '/inferred')) }",
        sdg=target,
        ns=ox.Literal(KG_NS),
    ):
        types[row["x"].value].append(Node(row["t"].value, "iri", labels.get(row["t"].value, {}), known=True))
    for element in kept:
        _label_nodes([element.node], labels)
        element.node.known = True
        element.types = types.get(element.node.value, [])
    order = ["StrategicGoal", "Objective", "Action", "Indicator", "Result", "Responsibility"]

    def key(e: SdgElement) -> tuple:
        kinds = [t.value[len(KG_NS):] for t in e.types]
        rank = min((order.index(k) for k in kinds if k in order), default=len(order))
        return (_RELATION_ORDER.index(e.relation), rank, e.node.label("fi").casefold())

    kept.sort(key=key)
    goal = _goal_of(iri, None, goals)
    own = _own_labels(store, target)
    short = goals[iri].short if iri in goals else {}
    node = Node(iri, "iri", short or own, known=True)
    return SdgView(node, goal, kept)
