"""SDG goals, links from strategy elements to them, and the page of one goal, target or indicator."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

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
    sparql = """
        SELECT ?s ?sdg ?p ?g WHERE {
          VALUES ?p { kg:sdg kg:inheritedSdg kg:suggestedSdg } GRAPH ?g { ?s ?p ?sdg } FILTER(isIRI(?sdg)) }"""
    links: dict[tuple[str, str], SdgLink] = {}
    for row in select(store, sparql, s=subject):
        ref = graph_ref(row["g"], iris)
        relation = relation_of(row["p"].value, ref)
        iri = row["sdg"].value
        goal = goal_of(iri, None, goals)
        key = (iri, relation)
        if key not in links:
            links[key] = SdgLink(Node(iri, "iri"), sdg_notation(iri, goals), goal.color if goal else None, relation, ref)
    direct = {iri for iri, rel in links if rel != "inherited"}
    kept = [link for (iri, rel), link in links.items() if rel != "inherited" or iri not in direct]
    labels = {g.iri: g.short for g in goals.values()}
    for link in kept:
        link.sdg.labels = labels.get(link.sdg.value, {})
        link.sdg.known = True
    return sorted(kept, key=lambda link: (RELATION_ORDER.index(link.relation), notation_key(link.notation)))


def notation_key(notation: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", notation))


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
        """SELECT ?sdg ?x ?p ?g WHERE {
             { VALUES ?p { kg:sdg kg:inheritedSdg kg:suggestedSdg } GRAPH ?g { ?x ?p ?sdg } }
             UNION { GRAPH ?g { ?suggestion kg:suggestionOf ?x ; kg:suggestedGoal ?sdg } BIND(kg:suggestedSdg AS ?p) } }""",
        sdg=target,
    ):
        ref = graph_ref(row["g"], iris)
        relation = relation_of(row["p"].value, ref)
        key = (row["x"].value, relation)
        elements.setdefault(key, SdgElement(as_node(row["x"]), [], relation, ref))
    direct = {x for x, rel in elements if rel != "inherited"}
    kept = [e for (x, rel), e in elements.items() if rel != "inherited" or x not in direct]
    labels = labels_of(
        store,
        "{ VALUES ?p { kg:sdg kg:inheritedSdg } ?x ?p ?sdg } UNION { VALUES ?p { kg:sdg kg:inheritedSdg } ?y ?p ?sdg . ?y a ?x }",
        sdg=target,
    )
    types: dict[str, list[Node]] = defaultdict(list)
    for row in select(
        store,
        "SELECT DISTINCT ?sdg ?ns ?x ?t WHERE { VALUES ?p { kg:sdg kg:inheritedSdg } ?x ?p ?sdg . GRAPH ?g { ?x a ?t } FILTER(STRSTARTS(STR(?t), ?ns) && !STRENDS(STR(?g), '/inferred')) }",
        sdg=target,
        ns=ox.Literal(KG_NS),
    ):
        types[row["x"].value].append(Node(row["t"].value, "iri", labels.get(row["t"].value, {}), known=True))
    for element in kept:
        label_nodes([element.node], labels)
        element.node.known = True
        element.types = types.get(element.node.value, [])
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
