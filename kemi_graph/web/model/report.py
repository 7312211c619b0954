"""The follow-up report of one municipality's plan: per strategic goal and objective, the actions,
who is responsible and when, each indicator with its target, the results reported for it in
each period and their status, the results that answer no indicator, SDG links and the source
lines; and the counts per status.

Counts per status follow the named query ``status-counts``: "results" counts result elements,
"printed" counts what the city printed (a result's document, column and first line), once under
each status its results have.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kemi_graph.errors import InputError
from kemi_graph.namespaces import Iris
from kemi_graph.web.model.sdg import SdgLink, sdg_goals, sdg_links_of
from kemi_graph.web.model.terms import KG_NS, Node, as_int, label_nodes, labels_of, select

# The status scheme's order: judged first, then the two ways of having nothing to judge.
STATUS_ORDER = ("achieved", "partlyAchieved", "notAchieved", "noTarget", "notKnown")
# QUDT units of parsed targets, as a reader writes them (the QUDT vocabulary is not loaded).
UNIT_SYMBOLS = {"PERCENT": "%", "PER-YR": "/ year", "NUM": "", "EUR": "€"}
NodeOf = Callable[[str], Node]  # an IRI as a node with the labels the report gathered


@dataclass
class Status:
    node: Node
    key: str  # the status's local name: "achieved", "partlyAchieved", ...


@dataclass
class ReportResult:
    node: Node  # labels: verbatim Finnish, English translation
    period: str | None
    status: Status | None
    printed: str | None  # document, column and first line: one printed result


@dataclass
class Target:
    labels: dict[str, str]  # the target in words (English, the project's reading)
    value: str | None = None
    unit: Node | None = None
    deadline: str | None = None
    deadline_text: dict[str, str] = field(default_factory=dict)


@dataclass
class IndicatorRow:
    node: Node
    target: Target | None
    results: dict[str, list[ReportResult]]  # period IRI -> results answering the indicator
    sources: list[Node] = field(default_factory=list)
    sdgs: list[SdgLink] = field(default_factory=list)


@dataclass
class Responsibility:
    node: Node
    posts: list[Node]
    units: list[Node]
    schedule: Node | None


@dataclass
class ObjectiveSection:
    node: Node
    actions: list[Node]
    responsibilities: list[Responsibility]
    indicators: list[IndicatorRow]
    other_results: dict[str, list[ReportResult]]  # period IRI -> results answering no indicator
    sdgs: list[SdgLink]
    sources: list[Node]
    action_sdgs: dict[str, list[SdgLink]] = field(default_factory=dict)


@dataclass
class GoalSection:
    node: Node
    sdgs: list[SdgLink]
    objectives: list[ObjectiveSection]
    sources: list[Node]


@dataclass
class StatusCount:
    status: Status
    results: int
    printed: int


@dataclass
class Report:
    municipality: Node
    plan: Node
    plans: list[Node]  # every plan of the municipality, to choose from
    periods: list[Node]  # the periods shown, side by side
    all_periods: list[Node]  # every period the plan reports on
    goals: list[GoalSection]
    statuses: list[Status]
    counts: dict[str, list[StatusCount]]  # period IRI -> count per status

    def indicators(self) -> list[tuple[GoalSection, ObjectiveSection, IndicatorRow]]:
        return [(g, o, i) for g in self.goals for o in g.objectives for i in o.indicators]


def municipality_iri(iris: Iris, slug: str) -> str:
    return f"{iris.base}/id/{slug}"


def municipalities(store: ox.Store) -> list[Node]:
    """The municipalities that have an implementation plan, by name."""
    pattern = "?plan a kg:ImplementationPlan ; kg:municipality ?x"
    labels = labels_of(store, pattern)
    nodes = [Node(row["x"].value, "iri", labels.get(row["x"].value, {}), known=True) for row in select(store, f"SELECT DISTINCT ?x WHERE {{ {pattern} }}")]
    return sorted(nodes, key=lambda n: (n.label("fi").casefold(), n.value))


def plans_of(store: ox.Store, municipality: str) -> list[Node]:
    """The municipality's implementation plans, by label (none: the IRI is not a municipality with a plan)."""
    m = ox.NamedNode(municipality)
    rows = select(store, "SELECT DISTINCT ?m ?x WHERE { ?x a kg:ImplementationPlan ; kg:municipality ?m }", m=m)
    nodes = [Node(row["x"].value, "iri", known=True) for row in rows]
    label_nodes(nodes, labels_of(store, "?x a kg:ImplementationPlan ; kg:municipality ?m", m=m))
    return sorted(nodes, key=lambda n: (n.label("fi").casefold(), n.value))


def report(store: ox.Store, iris: Iris, municipality: str, plan: str | None = None, period: str | None = None) -> Report | None:
    """The report of ``plan`` (default: the municipality's first plan) for ``period`` (default:
    every period side by side); None when the municipality has no plan. A plan or period that
    is not the municipality's is an InputError."""
    plans = plans_of(store, municipality)
    if not plans:
        return None
    chosen = next((p for p in plans if p.value == plan), None) if plan else plans[0]
    if chosen is None:
        raise InputError(f"plan: {plan!r} is not a plan of {municipality}; its plans are: {', '.join(p.value for p in plans)}")
    plan_node = ox.NamedNode(chosen.value)
    all_periods = _periods(store, plan_node)
    periods = all_periods
    if period:
        periods = [p for p in all_periods if p.value == period]
        if not periods:
            raise InputError(f"period: {period!r} is not a period of this plan; its periods are: {', '.join(p.value for p in all_periods)}")
    labels = labels_of(
        store,
        "{ ?x kg:plan ?plan } UNION { ?x kg:municipality ?plan } UNION { ?plan kg:municipality ?x }"
        " UNION { ?r kg:responsibilityOf/kg:plan ?plan . { ?r kg:responsiblePost ?x } UNION { ?r kg:responsibleUnit ?x } UNION { ?r kg:schedule ?x } }"
        " UNION { ?i kg:plan ?plan ; kg:target/kg:unit ?x } UNION { ?s skos:topConceptOf kg:StatusScheme . BIND(?s AS ?x) }",
        plan=plan_node,
    )
    node = _node_factory(labels)
    elements = _elements(store, plan_node)
    sources = _sources(store, plan_node)
    statuses = _statuses(store, node)
    results = _results(store, plan_node, node, {s.node.value: s for s in statuses})
    targets = _targets(store, plan_node, node)
    responsibilities = _responsibilities(store, plan_node, node)
    answers: dict[str, set[str]] = defaultdict(set)
    for row in select(store, "SELECT ?plan ?r ?i WHERE { ?r kg:plan ?plan ; kg:answers ?i }", plan=plan_node):
        answers[row["r"].value].add(row["i"].value)
    wanted = {p.value for p in periods}

    children: dict[str, list[tuple[str, str]]] = defaultdict(list)  # parent -> (kind, element)
    for iri, (kind, parent, _) in elements.items():
        if parent is not None:
            children[parent].append((kind, iri))
    for kids in children.values():
        kids.sort(key=lambda kid: elements[kid[1]][2])

    def kids(parent: str, kind: str) -> list[str]:
        return [iri for k, iri in children.get(parent, []) if k == kind]

    sdgs = sdg_links_of(store, [iri for iri, (kind, _, _) in elements.items() if kind != "Result"], iris, sdg_goals(store))

    def by_period(result_iris: list[str]) -> dict[str, list[ReportResult]]:
        grouped: dict[str, list[ReportResult]] = {p: [] for p in wanted}
        for r in result_iris:
            result = results.get(r)
            if result is not None and result.period in wanted:
                grouped[result.period].append(result)
        return grouped

    goals = []
    for goal in sorted((iri for iri, (kind, _, _) in elements.items() if kind == "StrategicGoal"), key=lambda iri: elements[iri][2]):
        objectives = []
        for objective in kids(goal, "Objective"):
            results_here = kids(objective, "Result")
            indicators = [
                IndicatorRow(
                    node(i),
                    targets.get(i),
                    by_period([r for r in results_here if i in answers.get(r, ())]),
                    sources.get(i, []),
                    sdgs.get(i, []),
                )
                for i in kids(objective, "Indicator")
            ]
            objectives.append(
                ObjectiveSection(
                    node(objective),
                    [node(a) for a in kids(objective, "Action")],
                    responsibilities.get(objective, []),
                    indicators,
                    by_period([r for r in results_here if not answers.get(r)]),
                    sdgs.get(objective, []),
                    sources.get(objective, []),
                    {a: sdgs.get(a, []) for a in kids(objective, "Action")},
                )
            )
        goals.append(GoalSection(node(goal), sdgs.get(goal, []), objectives, sources.get(goal, [])))
    counts = {p.value: _count(statuses, [r for r in results.values() if r.period == p.value]) for p in periods}
    return Report(node(municipality), chosen, plans, periods, all_periods, goals, statuses, counts)


def _node_factory(labels: dict[str, dict[str, str]]) -> NodeOf:
    def node(iri: str) -> Node:
        return Node(iri, "iri", labels.get(iri, {}), known=True)

    return node


def _periods(store: ox.Store, plan: ox.NamedNode) -> list[Node]:
    """The periods the plan reports on (``dct:temporal``, and the periods of its results), in time order."""
    rows = select(
        store,
        """SELECT DISTINCT ?plan ?p ?start WHERE {
             { ?plan dct:temporal ?p } UNION { ?r kg:plan ?plan ; a kg:Result ; kg:period ?p }
             OPTIONAL { ?p time:hasBeginning/time:inXSDDate ?start } }""",
        plan=plan,
    )
    found = {row["p"].value: (row["start"].value if row["start"] is not None else "") for row in rows}
    nodes = [Node(iri, "iri", known=True) for iri in sorted(found, key=lambda iri: (found[iri], iri))]
    label_nodes(nodes, labels_of(store, "{ ?plan dct:temporal ?x } UNION { ?r kg:plan ?plan ; kg:period ?x }", plan=plan))
    for n in nodes:
        n.known = True
    return nodes


def _elements(store: ox.Store, plan: ox.NamedNode) -> dict[str, tuple[str, str | None, tuple]]:
    """Every element of the plan: (kind, parent, document order)."""
    found: dict[str, tuple[str, str | None, tuple]] = {}
    rows = select(
        store,
        """SELECT ?plan ?x ?type ?parent (MIN(?line) AS ?first) (MIN(?sentence) AS ?sent) WHERE {
             VALUES ?type { kg:StrategicGoal kg:Objective kg:Action kg:Indicator kg:Result }
             ?x kg:plan ?plan ; a ?type .
             OPTIONAL { VALUES ?up { kg:strategicGoal kg:objective kg:indicatorOf kg:resultOf } ?x ?up ?parent }
             OPTIONAL { ?x kg:sourceLocation ?loc . ?loc kg:line ?line OPTIONAL { ?loc kg:sentence ?sentence } }
           } GROUP BY ?plan ?x ?type ?parent""",
        plan=plan,
    )
    for row in rows:
        kind = row["type"].value[len(KG_NS):]
        parent = row["parent"].value if row["parent"] is not None else None
        order = (as_int(row["first"]) or 0, as_int(row["sent"]) or 0, row["x"].value)
        found[row["x"].value] = (kind, parent, order)
    return found


def _sources(store: ox.Store, plan: ox.NamedNode) -> dict[str, list[Node]]:
    """Each element's source locations, one per line (the first), by line; shown as the line number."""
    found: dict[str, dict[int, Node]] = defaultdict(dict)
    for row in select(
        store,
        "SELECT DISTINCT ?plan ?x ?loc ?line ?doc WHERE { ?x kg:plan ?plan ; kg:sourceLocation ?loc . ?loc kg:line ?line OPTIONAL { ?loc kg:sourceDocument ?doc } }",
        plan=plan,
    ):
        line, loc = as_int(row["line"]) or 0, row["loc"].value
        if line not in found[row["x"].value] or loc < found[row["x"].value][line].value:
            found[row["x"].value][line] = Node(loc, "iri", {"": str(line)}, known=True)
    return {x: [locs[line] for line in sorted(locs)] for x, locs in found.items()}


def _statuses(store: ox.Store, node: NodeOf) -> list[Status]:
    rows = select(store, "SELECT ?s WHERE { ?s skos:topConceptOf kg:StatusScheme }")
    found = [Status(node(row["s"].value), row["s"].value[len(KG_NS):]) for row in rows]
    return sorted(found, key=lambda s: (STATUS_ORDER.index(s.key) if s.key in STATUS_ORDER else len(STATUS_ORDER), s.key))


def _results(store: ox.Store, plan: ox.NamedNode, node: NodeOf, statuses: dict[str, Status]) -> dict[str, ReportResult]:
    found: dict[str, ReportResult] = {}
    for row in select(
        store,
        """SELECT ?plan ?r ?period ?status (MIN(CONCAT(STR(?doc), " ", STR(?column), " ", STR(?line))) AS ?printed) WHERE {
             ?r kg:plan ?plan ; a kg:Result .
             OPTIONAL { ?r kg:period ?period }
             OPTIONAL { ?r kg:status ?status }
             OPTIONAL { ?r kg:sourceLocation [ kg:sourceDocument ?doc ; kg:column ?column ; kg:line ?line ] }
           } GROUP BY ?plan ?r ?period ?status""",
        plan=plan,
    ):
        status = statuses.get(row["status"].value) if row["status"] is not None else None
        period = row["period"].value if row["period"] is not None else None
        printed = row["printed"].value if row["printed"] is not None else None
        found[row["r"].value] = ReportResult(node(row["r"].value), period, status, printed)
    return found


def _targets(store: ox.Store, plan: ox.NamedNode, node: NodeOf) -> dict[str, Target]:
    found: dict[str, Target] = {}
    for row in select(
        store,
        """SELECT ?plan ?i ?p ?o WHERE {
             ?i kg:plan ?plan ; kg:target ?t . ?t ?p ?o
             VALUES ?p { skos:prefLabel kg:targetValue kg:unit kg:deadline kg:deadlineText } }""",
        plan=plan,
    ):
        target = found.setdefault(row["i"].value, Target({}))
        name, value = row["p"].value, row["o"]
        if name.endswith("prefLabel"):
            target.labels[value.language or ""] = value.value
        elif name == KG_NS + "targetValue":
            target.value = value.value
        elif name == KG_NS + "unit":
            symbol = UNIT_SYMBOLS.get(value.value.rsplit("/", 1)[-1])
            target.unit = node(value.value) if symbol is None else Node(value.value, "iri", {"": symbol}, known=True)
        elif name == KG_NS + "deadline":
            target.deadline = value.value
        else:
            target.deadline_text[value.language or ""] = value.value
    return found


def _responsibilities(store: ox.Store, plan: ox.NamedNode, node: NodeOf) -> dict[str, list[Responsibility]]:
    """Who is responsible for each objective and when: posts and units (roles, never people) and the schedule."""
    by_resp: dict[str, Responsibility] = {}
    owner: dict[str, str] = {}
    lines: dict[str, int] = {}
    for row in select(
        store,
        """SELECT ?plan ?r ?o ?p ?x ?line WHERE {
             ?o kg:plan ?plan . ?r kg:responsibilityOf ?o .
             OPTIONAL { VALUES ?p { kg:responsiblePost kg:responsibleUnit kg:schedule } ?r ?p ?x }
             OPTIONAL { ?r kg:sourceLocation/kg:line ?line } }""",
        plan=plan,
    ):
        r = row["r"].value
        resp = by_resp.setdefault(r, Responsibility(node(r), [], [], None))
        owner[r] = row["o"].value
        lines[r] = min(lines.get(r, 1 << 30), as_int(row["line"]) or 0)
        if row["p"] is None:
            continue
        value, name = node(row["x"].value), row["p"].value[len(KG_NS):]
        if name == "responsiblePost" and all(p.value != value.value for p in resp.posts):
            resp.posts.append(value)
        elif name == "responsibleUnit" and all(u.value != value.value for u in resp.units):
            resp.units.append(value)
        elif name == "schedule":
            # A period the data names by no label ("2023-", from 2023 on) is named by its IRI's last part.
            resp.schedule = value if value.labels else Node(value.value, "iri", {"": value.value.rsplit("/", 1)[-1]}, known=True)
    labels = labels_of(store, "?o kg:plan ?plan . ?x kg:responsibilityOf ?o", plan=plan)
    found: dict[str, list[Responsibility]] = defaultdict(list)
    for r in sorted(by_resp, key=lambda r: (lines[r], r)):
        by_resp[r].node.labels = labels.get(r, {})
        found[owner[r]].append(by_resp[r])
    return found


def _count(statuses: list[Status], results: list[ReportResult]) -> list[StatusCount]:
    counts = []
    for status in statuses:
        having = [r for r in results if r.status is not None and r.status.node.value == status.node.value]
        counts.append(StatusCount(status, len(having), len({r.printed or r.node.value for r in having})))
    return counts
