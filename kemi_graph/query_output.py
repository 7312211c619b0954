"""Query results for a terminal: an aligned table, CSV or SPARQL JSON; graphs as Turtle."""

from __future__ import annotations

import pyoxigraph as ox

from kemi_graph.namespaces import PREFIXES
from kemi_graph.store import QueryResult

OUTPUT_FORMATS = ("table", "csv", "json")


def render(result: QueryResult, output_format: str) -> str:
    if isinstance(result, ox.QueryBoolean):
        if output_format == "json":
            return result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8")
        return "true" if bool(result) else "false"
    if isinstance(result, ox.QueryTriples):
        return ox.serialize(result, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode("utf-8")
    if output_format == "csv":
        return result.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
    if output_format == "json":
        return result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8")
    return _table(result)


def _table(solutions: ox.QuerySolutions) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[_cell(solution[name]) for name in names] for solution in solutions]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(names)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(n.ljust(w) for n, w in zip(names, widths)), line]
    out += [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in PREFIXES.items():
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace):]}"
        return term.value
    if isinstance(term, ox.Literal):
        text = term.value.replace("\n", " ")
        return f"{text}@{term.language}" if term.language else text
    return str(term)
