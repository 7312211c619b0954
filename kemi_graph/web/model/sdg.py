"""SDG goals, targets and indicators, the links from strategy elements to them, the dashboard of
the 17 goals, and the page of one goal, target or indicator.

The names of targets and indicators come from the SDG goals graph (``data/sdg/sdg-targets.ttl``,
the UN KOS's English texts) or from the imported UN KOS, whichever the store has."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kemi_graph.namespaces import Iris
from kemi_graph.web.model.terms import (
    KG_NS, SDG_NS, GraphRef, Node, as_node, compact, exists, graph_ref, label_nodes, labels_of, own_labels, pick, select,
)

_COLOR = re.compile(r"#[0-9A-Fa-f]{3,8}")


@dataclass
class SdgGoal:
    iri: str
    notation: str
    color: str | None
    labels: dict[str, str]  # full titles
    short: dict[str, str]  # short names (skos:altLabel)

    def label(self, lang: str) -> str:
        return pick(self.short, lang) or pick(self.labels, lang) or self.notation

    def title(self, lang: str) -> str:
        return pick(self.labels, lang) or self.label(lang)


@dataclass
class SdgLink:
    """A link from an element to an SDG goal, target or indicator, and how it was made."""

    sdg: Node
    notation: str
    color: str | None
    relation: str  # "stated" (city graph), "suggested" (interpretation), "inherited" (inferred), "linked" (other)
    graph: GraphRef


@dataclass
class SdgElement:
    node: Node
    types: list[Node]
    relation: str
    graph: GraphRef
    municipality: Node | None = None
    via: list[SdgLink] = field(default_factory=list)  # for a suggestion on a goal's page: the targets suggested


@dataclass
class GoalCounts:
    """One tile of the dashboard: a goal and how many elements link to it, by how the link was made."""

    goal: SdgGoal
    counts: dict[str, int]  # relation ("stated", "suggested", "inherited", "linked") -> distinct elements

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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

    def municipalities(self) -> list[Node]:
        """The municipalities whose elements the page lists, each once, by name."""
        found = {e.municipality.value: e.municipality for e in self.elements if e.municipality is not None}
        return sorted(found.values(), key=lambda m: m.label("fi").casefold())


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
    for row in select(store, sparql, ns=ox.Literal(SDG_NS)):
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


def goal_of(iri: str, notation: str | None, goals: dict[str, SdgGoal]) -> SdgGoal | None:
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


def relation_of(predicate: str, graph: GraphRef) -> str:
    if predicate == KG_NS + "inheritedSdg":
        return "inherited"
    return {"city": "stated", "suggestions": "suggested", "inferred": "inherited"}.get(graph.kind, "linked")


RELATION_ORDER = ("stated", "suggested", "linked", "inherited")


def sdg_links(store: ox.Store, subject: ox.NamedNode, iris: Iris, goals: dict[str, SdgGoal]) -> list[SdgLink]:
    return sdg_links_of(store, [subject.value], iris, goals).get(subject.value, [])


def sdg_links_of(store: ox.Store, subjects: list[str], iris: Iris, goals: dict[str, SdgGoal]) -> dict[str, list[SdgLink]]:
    """The SDG links of each subject, stated, suggested and inherited (an inherited link only
    where the subject has no direct link to the same IRI), in relation and code order."""
    if not subjects:
        return {}
    sparql = (
        "SELECT ?s ?sdg ?p ?g WHERE { VALUES ?s { " + " ".join(str(ox.NamedNode(s)) for s in sorted(set(subjects))) + " } "
        "VALUES ?p { kg:sdg kg:inheritedSdg kg:suggestedSdg } GRAPH ?g { ?s ?p ?sdg } FILTER(isIRI(?sdg)) }"
    )
    links: dict[str, dict[tuple[str, str], SdgLink]] = defaultdict(dict)
    for row in select(store, sparql):
        ref = graph_ref(row["g"], iris)
        relation = relation_of(row["p"].value, ref)
        iri = row["sdg"].value
        goal = goal_of(iri, None, goals)
        if (iri, relation) not in links[row["s"].value]:
            links[row["s"].value][(iri, relation)] = SdgLink(Node(iri, "iri"), sdg_notation(iri, goals), goal.color if goal else None, relation, ref)
    found: dict[str, list[SdgLink]] = {}
    for subject, by_key in links.items():
        direct = {iri for iri, rel in by_key if rel != "inherited"}
        found[subject] = [link for (iri, rel), link in by_key.items() if rel != "inherited" or iri not in direct]
    name_links(store, [link for kept in found.values() for link in kept], goals)
    return {
        subject: sorted(kept, key=lambda link: (RELATION_ORDER.index(link.relation), notation_key(link.notation)))
        for subject, kept in found.items()
    }


def sdg_terms(store: ox.Store, iris: list[str]) -> dict[str, tuple[str | None, dict[str, str]]]:
    """The compact code ("3.8", "3.8.1") and the labels of SDG targets and indicators, by IRI."""
    nodes = sorted({iri for iri in iris if iri.startswith(SDG_NS)})
    if not nodes:
        return {}
    labels = labels_of(store, "VALUES ?x { " + " ".join(str(ox.NamedNode(i)) for i in nodes) + " } ?x ?p ?o")
    codes: dict[str, str] = {}
    for row in select(
        store,
        "SELECT ?x ?code WHERE { VALUES ?x { " + " ".join(str(ox.NamedNode(i)) for i in nodes) + " } ?x skos:notation ?code "
        "FILTER(DATATYPE(?code) = <http://metadata.un.org/sdg/ontology#SDGCodeCompact>) }",
    ):
        # An indicator repeated under several targets has several codes: the first in order names it.
        code = row["code"].value
        current = codes.get(row["x"].value)
        if current is None or notation_key(code) < notation_key(current):
            codes[row["x"].value] = code
    return {iri: (codes.get(iri), labels.get(iri, {})) for iri in nodes}


def name_links(store: ox.Store, links: list[SdgLink], goals: dict[str, SdgGoal]) -> None:
    """Goals by their short names; targets and indicators by their code and UN text."""
    terms = sdg_terms(store, [link.sdg.value for link in links if link.sdg.value not in goals])
    for link in links:
        goal = goals.get(link.sdg.value)
        if goal is not None:
            link.sdg.labels = dict(goal.short)
        elif link.sdg.value in terms:
            code, labels = terms[link.sdg.value]
            link.notation = code or link.notation
            link.sdg.labels = labels
        link.sdg.known = True


def notation_key(notation: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", notation))


# A suggestion shown by default: its target is at or above the method's threshold, which the
# build marks with kg:suggestedSdg (docs/sdg.md); the rest is kept but not shown.
SHOWN_SUGGESTION = "?suggestion kg:suggestionOf ?x ; kg:suggestedGoal ?sdg ; kg:suggestedTarget ?shown . ?x kg:suggestedSdg ?shown"


def sdg(store: ox.Store, iri: str, iris: Iris) -> SdgView | None:
    """The SDG IRI with the elements linked to it (stated, suggested, inherited)."""
    if not exists(store, iri):
        return None
    target = ox.NamedNode(iri)
    goals = sdg_goals(store)
    elements: dict[tuple[str, str], SdgElement] = {}
    for row in select(
        store,
        # A suggestion names a target; the goal's page lists it through the suggestion's goal.
        f"""SELECT ?sdg ?x ?p ?g WHERE {{
             {{ VALUES ?p {{ kg:sdg kg:inheritedSdg kg:suggestedSdg }} GRAPH ?g {{ ?x ?p ?sdg }} }}
             UNION {{ GRAPH ?g {{ {SHOWN_SUGGESTION} }} BIND(kg:suggestedSdg AS ?p) }} }}""",
        sdg=target,
    ):
        ref = graph_ref(row["g"], iris)
        relation = relation_of(row["p"].value, ref)
        key = (row["x"].value, relation)
        elements.setdefault(key, SdgElement(as_node(row["x"]), [], relation, ref))
    direct = {x for x, rel in elements if rel != "inherited"}
    kept = [e for (x, rel), e in elements.items() if rel != "inherited" or x not in direct]
    linked = (
        "{ VALUES ?p { kg:sdg kg:inheritedSdg kg:suggestedSdg } ?x ?p ?sdg }"
        f" UNION {{ {SHOWN_SUGGESTION} }}"
    )
    labels = labels_of(store, f"{{ {linked} }} UNION {{ {linked.replace('?x', '?y')} ?y a ?x }} UNION {{ {linked.replace('?x', '?y')} ?y kg:plan/kg:municipality ?x }}", sdg=target)
    types: dict[str, list[Node]] = defaultdict(list)
    for row in select(
        store,
        f"SELECT DISTINCT ?sdg ?ns ?x ?t WHERE {{ {{ {linked} }} GRAPH ?g {{ ?x a ?t }} FILTER(STRSTARTS(STR(?t), ?ns) && !STRENDS(STR(?g), '/inferred')) }}",
        sdg=target,
        ns=ox.Literal(KG_NS),
    ):
        types[row["x"].value].append(Node(row["t"].value, "iri", labels.get(row["t"].value, {}), known=True))
    municipality: dict[str, Node] = {}
    for row in select(store, f"SELECT DISTINCT ?sdg ?x ?m WHERE {{ {{ {linked} }} ?x kg:plan/kg:municipality ?m }}", sdg=target):
        municipality[row["x"].value] = Node(row["m"].value, "iri", labels.get(row["m"].value, {}), known=True)
    via: dict[str, list[SdgLink]] = defaultdict(list)
    if iri in goals:
        for row in select(
            store,
            "SELECT ?sdg ?x ?target WHERE { ?suggestion kg:suggestionOf ?x ; kg:suggestedGoal ?sdg ; kg:suggestedTarget ?target . ?x kg:suggestedSdg ?target }",
            sdg=target,
        ):
            via[row["x"].value].append(SdgLink(Node(row["target"].value, "iri"), row["target"].value[len(SDG_NS):], goals[iri].color, "suggested", GraphRef(None, "suggestions")))
        name_links(store, [link for links in via.values() for link in links], goals)
    for element in kept:
        label_nodes([element.node], labels)
        element.node.known = True
        element.types = types.get(element.node.value, [])
        element.municipality = municipality.get(element.node.value)
        if element.relation == "suggested":
            element.via = sorted(via.get(element.node.value, []), key=lambda link: notation_key(link.notation))
    order = ["StrategicGoal", "Objective", "Action", "Indicator", "Result", "Responsibility"]

    def key(e: SdgElement) -> tuple:
        kinds = [t.value[len(KG_NS):] for t in e.types]
        rank = min((order.index(k) for k in kinds if k in order), default=len(order))
        return (RELATION_ORDER.index(e.relation), rank, e.node.label("fi").casefold())

    kept.sort(key=key)
    goal = goal_of(iri, None, goals)
    own = own_labels(store, target)
    short = goals[iri].short if iri in goals else {}
    node = Node(iri, "iri", short or own, known=True)
    return SdgView(node, goal, kept)


def dashboard(store: ox.Store, iris: Iris) -> list[GoalCounts]:
    """The goals the store knows, in number order, each with its distinct linked elements counted
    by relation; an element inherits a goal only where it has no direct link to it."""
    goals = sdg_goals(store)
    seen: dict[str, dict[str, set[str]]] = {iri: defaultdict(set) for iri in goals}
    for row in select(
        store,
        f"""SELECT ?x ?sdg ?p ?g WHERE {{
             {{ VALUES ?p {{ kg:sdg kg:inheritedSdg }} GRAPH ?g {{ ?x ?p ?sdg }} }}
             UNION {{ GRAPH ?g {{ {SHOWN_SUGGESTION} }} BIND(kg:suggestedSdg AS ?p) }} }}""",
    ):
        goal = goal_of(row["sdg"].value, None, goals)
        if goal is not None:
            seen[goal.iri][relation_of(row["p"].value, graph_ref(row["g"], iris))].add(row["x"].value)
    tiles = []
    for iri, by_relation in seen.items():
        direct = set().union(*(xs for rel, xs in by_relation.items() if rel != "inherited"))
        counts = {rel: len(xs - direct) if rel == "inherited" else len(xs) for rel, xs in by_relation.items()}
        tiles.append(GoalCounts(goals[iri], {rel: counts.get(rel, 0) for rel in RELATION_ORDER if rel != "linked" or counts.get(rel)}))
    return sorted(tiles, key=lambda tile: notation_key(tile.goal.notation))
