"""The named query library on the web (the blueprint ``bp``).

==========================  ==========================================================
``/queries``                the named queries with their titles (fi/en) and parameters
``/queries/<name>``         one query run with ``?PARAM=VALUE``: an HTML table with a form for
                            the parameters; CSV or SPARQL JSON with ``?format=csv|json`` or by
                            ``Accept`` (``text/csv``, ``application/sparql-results+json``)
``/compare?a=IRI&b=IRI``    two municipalities side by side: every ``compare-*`` query's rows
                            for the two, and the elements suggested for the same SDG targets
==========================  ==========================================================

Parameter values are bound through pyoxigraph substitutions (kemi_graph.queries); a bad value is
an InputError, which the app answers with 400 and the message naming the parameter. IRIs under
the base IRI are shown by their label and linked to the server's own page for them (the path
after the base); other IRIs are shown as prefixed names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request

from kemi_graph import formats, queries
from kemi_graph.errors import InputError
from kemi_graph.namespaces import KG, PREFIXES, Iris
from kemi_graph.spreadsheet import safe_csv
from kemi_graph.store import run_query
from kemi_graph.web.evaluator import Job, Outcome
from kemi_graph.web.sparql import TRUNCATED_HEADER, WebState, evaluate, state

bp = Blueprint("queries", __name__)

RESERVED = ("format", "_format", "lang", "clang")
SKOS_PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
VERBATIM = ox.NamedNode(str(KG) + "verbatimText")
MEDIA = {  # ?format= -> (Content-Type, format the evaluator writes)
    "csv": ("text/csv; charset=utf-8", formats.RESULTS_CSV),
    "json": ("application/sparql-results+json", formats.RESULTS_JSON),
}
_OFFERED = ["text/html", "text/csv", "application/sparql-results+json", "application/json"]


def _state() -> WebState:
    return state()


def _ui() -> str:
    return "fi" if request.args.get("lang") == "fi" else "en"


@bp.get("/queries")
def index() -> str:
    return render_template("queries.html", ui=_ui(), queries=list(queries.all_queries().values()), root=request.script_root)


@bp.get("/queries/<name>")
def run(name: str) -> Response | str:
    try:
        named = queries.get(name)
    except InputError:
        abort(404, description=f"there is no named query {name!r}; see /queries")
    settings = _state().settings
    values = {key: value for key, value in request.args.items() if key not in RESERVED}
    ui = _ui()
    if not values and any(p.required and p.default is None for p in named.params) and _wanted_format() == "html":
        # A first visit to a query that needs a value: the form alone, no error.
        given = {p.name: "" for p in named.params}
        return render_template("query.html", ui=ui, query=named, variables=[], rows=None, given=given, bound={}, downloads={}, root=request.script_root)
    bindings = named.bindings(values, settings.base_iri)  # InputError -> 400 by the app
    wanted = _wanted_format()
    if wanted in MEDIA:
        content_type, fmt = MEDIA[wanted]
        outcome = _evaluated(named, bindings, fmt)
        response = Response(safe_csv(outcome.body) if wanted == "csv" else outcome.body, content_type=content_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{wanted}"'
    else:
        outcome = _evaluated(named, bindings, formats.RESULTS_JSON)
        variables, rows = _table(named, _solutions(outcome), Iris(settings.base_iri), ui, {})
        given = {p.name: values.get(p.name, "") for p in named.params}
        bound = {variable.value: _term_text(term) for variable, term in bindings.items()}
        downloads = {fmt: request.script_root + request.path + "?" + urlencode([*[(k, v) for k, v in values.items() if v], ("format", fmt)]) for fmt in MEDIA}
        html = render_template(
            "query.html", ui=ui, query=named, variables=variables, rows=rows, given=given, bound=bound,
            downloads=downloads, truncated=outcome.truncated, max_rows=settings.max_rows, root=request.script_root,
        )
        response = Response(html, content_type="text/html; charset=utf-8")
    if outcome.truncated:
        response.headers[TRUNCATED_HEADER] = f"max_rows={settings.max_rows}"
    response.headers["Vary"] = "Accept"
    return response


def _evaluated(named: queries.NamedQuery, bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal], fmt: formats.Format) -> Outcome:
    """A named query evaluated as /sparql evaluates a query: in an evaluator process, under the
    time limit (query_timeout: 503 with a message), its rows cut at max_rows."""
    settings = _state().settings
    substitutions = tuple((variable.value, term) for variable, term in bindings.items())
    outcome = evaluate(Job(query=named.sparql, format_name=fmt.name, max_rows=settings.max_rows, max_bytes=settings.max_response_bytes, substitutions=substitutions))
    if outcome.kind != "select":
        raise InputError(f"query {named.name!r} is not a SELECT query")
    return outcome


def _solutions(outcome: Outcome) -> ox.QuerySolutions:
    return ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON)  # type: ignore[return-value]


def _table(named: queries.NamedQuery, result: ox.QuerySolutions, iris: Iris, ui: str, labels: dict[str, str]) -> tuple[list[str], list[list[dict[str, Any]]]]:
    """The headings and cells a page shows: a column the query's header declares gets its heading
    in the page language, and a Finnish/English pair of variables is one column showing the page
    language's value (the other's where it has none); other variables show under their names."""
    shown: list[tuple[str, tuple[str, ...]]] = []  # (heading, variables in order of preference)
    for variable in (v.value for v in result.variables):
        column = named.column_of(variable)
        if column is None:
            shown.append((variable, (variable,)))
        elif variable == column.variables[0]:
            first = column.variable(ui)
            shown.append((column.heading(ui), (first, *[v for v in column.variables if v != first])))
    rows = [
        [_cell(next((solution[v] for v in names if solution[v] is not None), None), iris, ui, labels) for _, names in shown]
        for solution in result
    ]
    return [heading for heading, _ in shown], rows


def _wanted_format() -> str:
    explicit = request.args.get("format") or request.args.get("_format")
    if explicit:
        if explicit not in (*MEDIA, "html"):
            raise InputError(f"format {explicit!r} is not offered; use html, csv or json")
        return explicit
    best = request.accept_mimetypes.best_match(_OFFERED, default="text/html")
    return {"text/csv": "csv", "application/sparql-results+json": "json", "application/json": "json"}.get(best or "", "html")


def _term_text(term: ox.NamedNode | ox.Literal) -> str:
    return _compact(term.value) if isinstance(term, ox.NamedNode) else term.value


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _cell(term: Any, iris: Iris, ui: str, labels: dict[str, str]) -> dict[str, Any]:
    """What the template shows for one value: text, an optional link, language and full IRI."""
    if term is None:
        return {"text": ""}
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if iris.is_local(iri):
            if iri not in labels:
                labels[iri] = _label(term, ui) or iri[len(iris.base):]
            return {"text": labels[iri], "href": request.script_root + (iri[len(iris.base):] or "/"), "iri": iri}
        return {"text": _compact(iri), "href": request.script_root + "/resource?" + urlencode({"iri": iri}), "iri": iri}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "lang": term.language}
    return {"text": str(term)}


def _label(node: ox.NamedNode, ui: str) -> str | None:
    """The node's label in ``ui`` (then Finnish, English, any), else its verbatim text; no SPARQL needed."""
    store = _state().store
    found: dict[str, str] = {}
    for predicate in (SKOS_PREF_LABEL, RDFS_LABEL, VERBATIM):
        for quad in store.quads_for_pattern(node, predicate, None):
            literal = quad.object
            if isinstance(literal, ox.Literal):
                found.setdefault(literal.language or "", literal.value)
        if found:
            break
    for lang in (ui, "fi", "en", ""):
        if lang in found:
            return found[lang]
    return next(iter(found.values()), None)


COMPARE_PREFIX = "compare-"
MUNICIPALITIES = """PREFIX kg: <https://w3id.org/kemi-graph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?m (SAMPLE(?name) AS ?label) WHERE { ?m a kg:Municipality OPTIONAL { ?m skos:prefLabel ?name } }
GROUP BY ?m ORDER BY ?label"""


@bp.get("/compare")
def compare() -> str:
    """Two municipalities side by side through the comparison queries (``queries/compare-*.rq``)."""
    settings, store, ui = _state().settings, _state().store, _ui()
    iris = Iris(settings.base_iri)
    municipalities = [(row["m"].value, row["label"].value if row["label"] else row["m"].value) for row in run_query(store, MUNICIPALITIES)]
    known = [iri for iri, _ in municipalities]
    chosen = []
    for key, fallback in (("a", 0), ("b", 1)):
        value = request.args.get(key) or (known[fallback] if len(known) > fallback else "")
        if value and value not in known:
            raise InputError(f"parameter {key!r}: {value!r} is not a municipality in this dataset")
        chosen.append(value)
    sections = []
    # One municipality (or the same one twice) is not compared with itself: the page says so.
    alone = len(known) < 2 or chosen[0] == chosen[1]
    if len(known) < 2:
        chosen[1] = ""
    for name, named in sorted(queries.all_queries().items()):
        if not name.startswith(COMPARE_PREFIX):
            continue
        pair = {"municipalityA": f"<{chosen[0]}>", "municipalityB": f"<{chosen[1]}>"} if named.param("municipalityB") else {}
        if pair and (not chosen[0] or not chosen[1] or chosen[0] == chosen[1]):
            continue
        # A query over every municipality is run once per chosen one (50-90 times faster each than
        # over all of them at 100 municipalities): A's rows, then B's.
        runs = [{"municipality": f"<{iri}>"} for iri in dict.fromkeys(chosen) if iri] if named.param("municipality") else [pair]
        variables: list[str] = []
        rows: list[list[Any]] = []
        labels: dict[str, str] = {}
        truncated = False
        for values in runs:
            outcome = _evaluated(named, named.bindings(values, settings.base_iri), formats.RESULTS_JSON)
            truncated = truncated or outcome.truncated
            variables, more = _table(named, _solutions(outcome), iris, ui, labels)
            rows += more
        link = request.script_root + f"/queries/{name}" + ("?" + urlencode(pair) if pair else "")
        sections.append({"query": named, "variables": variables, "rows": rows, "link": link, "truncated": truncated})
    return render_template(
        "compare.html", ui=ui, municipalities=municipalities, chosen=chosen, sections=sections, max_rows=settings.max_rows, alone=alone,
        root=request.script_root,
    )
