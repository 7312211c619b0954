"""The landing page: graphs and their sizes, elements per class, the strategic goals."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kemi_graph.namespaces import Iris
from kemi_graph.store import run_query
from kemi_graph.web.model.sdg import SdgLink, sdg_goals, sdg_links
from kemi_graph.web.model.terms import KG_NS, GraphRef, Node, as_int, graph_ref, graph_sort_key, label_nodes, labels_of, select

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


def landing(store: ox.Store, iris: Iris) -> LandingView:
    graphs = [
        GraphCount(graph_ref(row["g"], iris), as_int(row["n"]) or 0)
        for row in select(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    ]
    graphs.sort(key=lambda c: graph_sort_key(c.graph))
    default_count = run_query(
        store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=[ox.DefaultGraph()], named_graphs=[]
    )
    default_n = next((as_int(row["n"]) for row in default_count), 0)  # type: ignore[union-attr]
    if default_n:
        graphs.append(GraphCount(GraphRef(None, "default"), default_n))

    classes = [
        ClassCount(Node(row["c"].value, "iri"), as_int(row["n"]) or 0)
        for row in select(
            store,
            "SELECT ?ns ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?c), ?ns)) } GROUP BY ?ns ?c",
            ns=ox.Literal(KG_NS),
        )
    ]
    class_labels = labels_of(store, "?s a ?x . FILTER(STRSTARTS(STR(?x), ?ns))", ns=ox.Literal(KG_NS))
    label_nodes([c.cls for c in classes], class_labels)
    order = ["StrategicGoal", "Objective", "Action", "Responsibility", "Indicator", "Target", "Result", "Measurement"]
    classes.sort(key=lambda c: (order.index(c.cls.value[len(KG_NS):]) if c.cls.value[len(KG_NS):] in order else len(order), c.cls.label("en")))

    goals_rows = select(
        store,
        """SELECT ?goal (COUNT(DISTINCT ?objective) AS ?n) (MIN(?line) AS ?first) WHERE {
             ?goal a kg:StrategicGoal .
             OPTIONAL { ?objective kg:strategicGoal ?goal }
             OPTIONAL { ?goal kg:sourceLocation/kg:line ?line }
           } GROUP BY ?goal ORDER BY ?first ?goal""",
    )
    sdgs = sdg_goals(store)
    goal_labels = labels_of(store, "?x a kg:StrategicGoal")
    goals = []
    for row in goals_rows:
        node = Node(row["goal"].value, "iri", goal_labels.get(row["goal"].value, {}), known=True)
        links = [link for link in sdg_links(store, row["goal"], iris, sdgs) if link.relation != "inherited"]
        goals.append(GoalSummary(node, as_int(row["n"]) or 0, links))

    title: dict[str, str] = {}
    plans = labels_of(store, "?x a kg:ImplementationPlan")
    for by_lang in plans.values():
        for lang, text in by_lang.items():
            title.setdefault(lang, text)
    return LandingView(title, graphs, classes, goals, sum(c.triples for c in graphs))
