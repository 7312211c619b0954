"""Tidy tables of the built graph for analysis: ``export_table(store, settings, name, fmt) -> bytes``.

One fact a row, IRIs and labels side by side, a fixed column order and a deterministic row
order, as CSV (UTF-8, header row, RFC 4180 quoting, text that would be a spreadsheet formula
kept as text: kemi_graph.spreadsheet) or JSON (``{"table", "columns", "rows"}``
with numbers as numbers). The SPARQL of each table is in ``QUERIES``; rows are sorted in
Python so that SDG codes sort naturally (3.4 before 3.10, goals 1-17).

| table | one row per |
| --- | --- |
| ``sdg-links`` | element × SDG link × kind: ``asserted`` (the city's kg:sdg), ``inherited`` (kg:inheritedSdg, OWL-RL), ``suggested`` (the project's kg:SdgSuggestion of a target, or of a goal with ``sdg_target`` empty, with its score, evidence class, matched terms and method version; only those at or above the method's kg:scoreThreshold unless ``all_suggestions``) |
| ``indicators`` | indicator × result answering it (an indicator without a result gets one row with the result columns empty) |
| ``numeric-results`` | number parsed from a result (kg:Measurement) |
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyoxigraph as ox

from kemi_graph.config import Settings
from kemi_graph.errors import InputError
from kemi_graph.spreadsheet import safe_cell
from kemi_graph.store import run_query

FORMATS = ("csv", "json")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

_PREFIXES = """PREFIX kg: <https://w3id.org/kemi-graph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

# Graph IRIs are matched by their ending ({base}/graph/{m}/city, ...), so the queries serve any
# base IRI and any number of municipalities.
QUERIES: dict[str, str] = {
    "sdg-links": _PREFIXES
    + """
SELECT ?element ?element_label_fi ?element_label_en ?element_type ?strategic_goal ?strategic_goal_label_fi
       ?sdg ?kind ?score ?evidence_class ?matched_terms ?method_version ?threshold WHERE {
  {
    GRAPH ?g { ?element kg:sdg ?sdg } FILTER(STRENDS(STR(?g), "/city"))
    BIND("asserted" AS ?kind)
  } UNION {
    GRAPH ?g { ?element kg:inheritedSdg ?sdg } FILTER(STRENDS(STR(?g), "/inferred"))
    BIND("inherited" AS ?kind)
  } UNION {
    # A subquery, so the suggestions are matched once: joined in place, Oxigraph rescanned every
    # suggestion for each typed element (quadratic in the number of municipalities).
    {
      SELECT ?element ?sdg ?score ?evidence_class ?method_version ?threshold (GROUP_CONCAT(?term; SEPARATOR="; ") AS ?matched_terms)
      WHERE {
        GRAPH ?g {
          ?suggestion a kg:SdgSuggestion ; kg:suggestionOf ?element ; kg:score ?score ; prov:wasGeneratedBy ?activity .
          # A goal-level suggestion names its goal and no target.
          { ?suggestion kg:suggestedTarget ?sdg } UNION { ?suggestion kg:suggestedGoal ?sdg FILTER NOT EXISTS { ?suggestion kg:suggestedTarget ?target } }
          OPTIONAL { ?suggestion kg:evidenceClass ?evidence_class }
          OPTIONAL { ?suggestion kg:matchedTerm ?term }
          OPTIONAL { ?activity prov:used ?method . ?method a prov:Plan ; owl:versionInfo ?method_version .
                     OPTIONAL { ?method kg:scoreThreshold ?threshold } }
        }
        FILTER(STRENDS(STR(?g), "/suggested"))
      } GROUP BY ?element ?sdg ?score ?evidence_class ?method_version ?threshold
    }
    BIND("suggested" AS ?kind)
  }
  ?element a ?type .
  VALUES (?type ?element_type) {
    (kg:StrategicGoal "StrategicGoal") (kg:Objective "Objective") (kg:Action "Action")
    (kg:Indicator "Indicator") (kg:Result "Result")
  }
  OPTIONAL { ?element skos:prefLabel ?element_label_fi FILTER(LANG(?element_label_fi) = "fi") }
  OPTIONAL { ?element skos:prefLabel ?element_label_en FILTER(LANG(?element_label_en) = "en") }
  OPTIONAL {
    ?element (kg:objective|kg:indicatorOf|kg:resultOf)?/kg:strategicGoal? ?strategic_goal .
    ?strategic_goal a kg:StrategicGoal .
    OPTIONAL { ?strategic_goal skos:prefLabel ?strategic_goal_label_fi FILTER(LANG(?strategic_goal_label_fi) = "fi") }
  }
}""",
    "sdg-goal-labels": _PREFIXES
    + """
SELECT DISTINCT ?goal ?label_fi ?label_en WHERE {
  ?goal a sdgo:Goal .
  OPTIONAL { ?goal skos:altLabel ?label_fi FILTER(LANG(?label_fi) = "fi") }
  OPTIONAL { ?goal skos:altLabel ?label_en FILTER(LANG(?label_en) = "en") }
}""",
    "indicators": _PREFIXES
    + """
SELECT ?indicator ?indicator_label_fi ?indicator_label_en ?objective ?strategic_goal
       ?target_value ?target_unit ?target_deadline ?target_label_en
       ?result ?result_label_fi ?result_label_en ?status ?status_label_en WHERE {
  ?indicator a kg:Indicator ; kg:indicatorOf ?objective .
  ?objective kg:strategicGoal ?strategic_goal .
  OPTIONAL { ?indicator skos:prefLabel ?indicator_label_fi FILTER(LANG(?indicator_label_fi) = "fi") }
  OPTIONAL { ?indicator skos:prefLabel ?indicator_label_en FILTER(LANG(?indicator_label_en) = "en") }
  OPTIONAL {
    ?indicator kg:target ?target .
    OPTIONAL { ?target kg:targetValue ?target_value }
    OPTIONAL { ?target kg:unit ?target_unit }
    OPTIONAL { ?target kg:deadline ?target_deadline }
    OPTIONAL { ?target skos:prefLabel ?target_label_en FILTER(LANG(?target_label_en) = "en") }
  }
  OPTIONAL {
    ?result a kg:Result ; kg:answers ?indicator .
    OPTIONAL { ?result skos:prefLabel ?result_label_fi FILTER(LANG(?result_label_fi) = "fi") }
    OPTIONAL { ?result skos:prefLabel ?result_label_en FILTER(LANG(?result_label_en) = "en") }
    OPTIONAL {
      ?result kg:status ?status .
      OPTIONAL { ?status skos:prefLabel ?status_label_en FILTER(LANG(?status_label_en) = "en") }
    }
  }
}""",
    "numeric-results": _PREFIXES
    + """
SELECT DISTINCT ?measurement ?value ?unit ?counted_en ?counted_fi ?period ?period_label_en
       ?result ?result_label_fi ?indicator ?indicator_label_fi ?objective ?objective_label_fi WHERE {
  ?measurement a kg:Measurement ; kg:value ?value ; kg:measurementOf ?result .
  OPTIONAL { ?measurement kg:unit ?unit }
  OPTIONAL { ?measurement rdfs:label ?counted_en FILTER(LANG(?counted_en) = "en") }
  OPTIONAL { ?measurement rdfs:label ?counted_fi FILTER(LANG(?counted_fi) = "fi") }
  OPTIONAL {
    ?measurement kg:period ?period .
    OPTIONAL { ?period skos:prefLabel ?period_label_en FILTER(LANG(?period_label_en) = "en") }
  }
  ?result kg:resultOf ?objective .
  OPTIONAL { ?result skos:prefLabel ?result_label_fi FILTER(LANG(?result_label_fi) = "fi") }
  OPTIONAL { ?objective skos:prefLabel ?objective_label_fi FILTER(LANG(?objective_label_fi) = "fi") }
  OPTIONAL {
    ?measurement kg:measures ?indicator .
    OPTIONAL { ?indicator skos:prefLabel ?indicator_label_fi FILTER(LANG(?indicator_label_fi) = "fi") }
  }
}""",
}


@dataclass(frozen=True)
class ExportTable:
    name: str
    title: str
    columns: tuple[str, ...]
    numeric: frozenset[str]
    rows: Callable[[ox.Store, bool], list[dict[str, str]]]  # (store, all_suggestions), in no particular order
    key: Callable[[Mapping[str, str]], tuple[Any, ...]]  # the table's row order


def _select(store: ox.Store, name: str) -> list[dict[str, str]]:
    solutions = run_query(store, QUERIES[name])
    names = [v.value for v in solutions.variables]
    return [{n: ("" if row[n] is None else row[n].value) for n in names} for row in solutions]


_SDG = re.compile(r"^http://metadata\.un\.org/sdg/(.+)$")


def _sdg_parts(iri: str) -> tuple[str, str, str]:
    """(goal IRI, target IRI, indicator IRI) of a UN SDG KOS IRI; the parts it is not are ''."""
    code = _SDG.match(iri)
    if code is None:
        return ("", "", "")
    local = code.group(1)
    base = iri[: -len(local)]
    if local.isdigit():
        return (iri, "", "")
    if "." in local:
        return (base + local.split(".", 1)[0], iri, "")
    if local.startswith("C") and len(local) == 7 and local[1:3].isdigit() and not local.startswith("C2"):
        return (base + str(int(local[1:3])), "", iri)
    return ("", "", iri)


def _code_key(iri: str) -> tuple[int, int, str]:
    """Natural order of SDG IRIs: goal number, then target number or letter."""
    if not iri:
        return (0, 0, "")
    local = iri.rsplit("/", 1)[-1]
    goal, _, rest = local.partition(".")
    if not goal.isdigit():
        return (99, 0, local)
    return (int(goal), int(rest) if rest.isdigit() else (0 if not rest else 1000), rest)


_KIND_ORDER = {"asserted": 0, "inherited": 1, "suggested": 2}
_TYPE_ORDER = {"StrategicGoal": 0, "Objective": 1, "Action": 2, "Indicator": 3, "Result": 4}


def _below_threshold(row: Mapping[str, str]) -> bool:
    return row["kind"] == "suggested" and row["threshold"] != "" and Decimal(row["score"]) < Decimal(row["threshold"])


def _sdg_links(store: ox.Store, all_suggestions: bool) -> list[dict[str, str]]:
    labels = {row["goal"]: row for row in _select(store, "sdg-goal-labels")}
    rows = []
    for row in _select(store, "sdg-links"):
        if _below_threshold(row) and not all_suggestions:
            continue
        goal, target, indicator = _sdg_parts(row["sdg"])
        label = labels.get(goal, {})
        rows.append(
            {
                "element": row["element"],
                "element_label_fi": row["element_label_fi"],
                "element_label_en": row["element_label_en"],
                "element_type": row["element_type"],
                "strategic_goal": row["strategic_goal"],
                "strategic_goal_label_fi": row["strategic_goal_label_fi"],
                "sdg_goal": goal,
                "sdg_goal_label_fi": label.get("label_fi", ""),
                "sdg_goal_label_en": label.get("label_en", ""),
                "sdg_target": target,
                "sdg_indicator": indicator,
                "kind": row["kind"],
                "score": row["score"],
                "evidence_class": row["evidence_class"],
                "matched_terms": "; ".join(sorted(t for t in row["matched_terms"].split("; ") if t)),
                "method_version": row["method_version"],
            }
        )
    return rows


def _sdg_links_key(r: Mapping[str, str]) -> tuple[Any, ...]:
    return (
        r["strategic_goal"], _TYPE_ORDER.get(r["element_type"], 9), r["element"], _KIND_ORDER[r["kind"]],
        _code_key(r["sdg_goal"]), _code_key(r["sdg_target"]), r["sdg_indicator"],
    )


def _plain(name: str) -> Callable[[ox.Store, bool], list[dict[str, str]]]:
    return lambda store, _all_suggestions: _select(store, name)


def _by(*columns: str) -> Callable[[Mapping[str, str]], tuple[Any, ...]]:
    return lambda r: tuple(_sort_value(r[c]) for c in columns)


def _sort_value(value: str) -> tuple[int, Any]:
    """Measurement IRIs end in /measurement/{n}: sort n as a number."""
    match = re.match(r"^(.*/measurement/)(\d+)$", value)
    return (1, (match.group(1), int(match.group(2)))) if match else (0, (value, 0))


EXPORT_TABLES: dict[str, ExportTable] = {
    "sdg-links": ExportTable(
        "sdg-links",
        "SDG links of every strategy element: asserted, inherited and suggested",
        (
            "element", "element_label_fi", "element_label_en", "element_type", "strategic_goal", "strategic_goal_label_fi",
            "sdg_goal", "sdg_goal_label_fi", "sdg_goal_label_en", "sdg_target", "sdg_indicator", "kind", "score",
            "evidence_class", "matched_terms", "method_version",
        ),
        frozenset({"score"}),
        _sdg_links,
        _sdg_links_key,
    ),
    "indicators": ExportTable(
        "indicators",
        "Indicators with their target and the result reported for them",
        (
            "indicator", "indicator_label_fi", "indicator_label_en", "objective", "strategic_goal",
            "target_value", "target_unit", "target_deadline", "target_label_en",
            "result", "result_label_fi", "result_label_en", "status", "status_label_en",
        ),
        frozenset({"target_value"}),
        _plain("indicators"),
        _by("strategic_goal", "objective", "indicator", "result"),
    ),
    "numeric-results": ExportTable(
        "numeric-results",
        "Numbers parsed from reported results",
        (
            "measurement", "value", "unit", "counted_en", "counted_fi", "period", "period_label_en",
            "result", "result_label_fi", "indicator", "indicator_label_fi", "objective", "objective_label_fi",
        ),
        frozenset({"value"}),
        _plain("numeric-results"),
        _by("objective", "result", "measurement"),
    ),
}


def table_rows(store: ox.Store, name: str, all_suggestions: bool = False) -> list[dict[str, str]]:
    """The rows of one table as strings (``''`` for no value), in the table's order; suggestions
    scoring under their method's threshold only with ``all_suggestions``."""
    if name not in EXPORT_TABLES:
        raise InputError(f"{name!r} is not an export table; use one of {', '.join(EXPORT_TABLES)}")
    return sorted_rows(name, EXPORT_TABLES[name].rows(store, all_suggestions))


def sorted_rows(name: str, rows: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """``rows`` (of the table's query, from one store or several) in the table's order; rows the
    order leaves tied are ordered by their values, so the order never depends on where they came from."""
    table = EXPORT_TABLES[name]
    full = [{column: row.get(column, "") for column in table.columns} for row in rows]
    return sorted(full, key=lambda row: (table.key(row), tuple(row.values())))


def export_table(store: ox.Store, settings: Settings, name: str, fmt: str, all_suggestions: bool = False) -> bytes:
    """One table as CSV or JSON bytes (UTF-8)."""
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    rows = table_rows(store, name, all_suggestions)
    table = EXPORT_TABLES[name]
    if fmt == "csv":
        return csv_bytes(name, rows)
    document = {
        "table": name,
        "title": table.title,
        "base_iri": settings.base_iri,
        "columns": list(table.columns),
        "rows": [_json_row(row, table.numeric) for row in rows],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def csv_bytes(name: str, rows: Iterable[Mapping[str, str]]) -> bytes:
    """Rows of a table (in order) as CSV: header row, RFC 4180, formula-like text kept as text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_TABLES[name].columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: safe_cell(value) for column, value in row.items()} for row in rows)
    return out.getvalue().encode("utf-8")


def _json_row(row: Mapping[str, str], numeric: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in row.items():
        if value == "":
            out[column] = None
        elif column in numeric:
            number = Decimal(value)
            out[column] = int(number) if number == number.to_integral_value() else float(number)
        else:
            out[column] = value
    return out
