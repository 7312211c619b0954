"""Helper of scripts/bench_web.sh: writes the benchmark's cases, then turns wrk's figures into a table.

``python scripts/bench_report.py cases DIST_DIR OUT_DIR`` writes one case per file in OUT_DIR
(``NN-group-name.path``: the query string ``query=...`` of a SPARQL GET, or a page path starting
with ``/``) from the tiny query, every named query in ``queries/*.rq`` (parameters bound to their
defaults, inlined as ``VALUES`` so that any endpoint can run them), the pages and the aggregate
queries over the UN SDG KOS.

``python scripts/bench_report.py report RESULTS.jsonl`` prints the Markdown table (requests/s,
p50 and p95 per case and server), the ratios ours/Oxigraph and ours/rdflib-endpoint (geometric
means per group) and whether the floors hold.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TINY = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
KG = "https://w3id.org/kemi-graph/ontology#"

# Engine-bound aggregates over the full UN SDG KOS (goals, targets, indicators, labels in many languages).
AGGREGATES = {
    "targets-indicators-per-goal": """PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?goal (COUNT(DISTINCT ?target) AS ?targets) (COUNT(DISTINCT ?indicator) AS ?indicators)
WHERE { ?goal a sdgo:Goal . ?target a sdgo:Target ; skos:broader ?goal .
        OPTIONAL { ?indicator a sdgo:Indicator ; skos:broader ?target } }
GROUP BY ?goal ORDER BY ?goal""",
    "labels-per-language": """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?language (COUNT(*) AS ?labels) (AVG(STRLEN(?label)) AS ?length)
WHERE { ?concept skos:prefLabel ?label BIND(LANG(?label) AS ?language) }
GROUP BY ?language ORDER BY DESC(?labels)""",
    "indicator-strings-by-goal": """PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?goal (COUNT(DISTINCT ?indicator) AS ?indicators) (MAX(STRLEN(?label)) AS ?longest)
       (GROUP_CONCAT(DISTINCT UCASE(SUBSTR(STR(?tier), STRLEN(STR(?tier)) - 1)); separator=",") AS ?tiers)
WHERE { ?indicator a sdgo:Indicator ; skos:notation ?notation ; skos:prefLabel ?label .
        FILTER(LANGMATCHES(LANG(?label), "en") && CONTAINS(LCASE(?label), "proportion") || LANG(?label) = "en")
        OPTIONAL { ?indicator sdgo:tier ?tier }
        BIND(STRBEFORE(STR(?notation), ".") AS ?goal) }
GROUP BY ?goal ORDER BY ?goal""",
    "predicates-all-data": """SELECT ?p (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?triples)""",
}

# A value for a required parameter without a default.
BENCH_VALUES = {"text": "hyvinvointi"}

SERVERS = ("ours", "ours-nocache", "oxigraph", "rdflib-endpoint")


def write_cases(dist_dir: Path, out: Path) -> None:
    import pyoxigraph as ox

    from kemi_graph import queries
    from kemi_graph.config import Settings

    settings = Settings(dist_dir=dist_dir)
    out.mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, str, str]] = [("tiny", "tiny", "query=" + quote(TINY, safe=""))]
    for name, query in sorted(queries.all_queries().items()):
        values = {p.name: BENCH_VALUES[p.name] for p in query.params if p.name in BENCH_VALUES}
        unset = [p.name for p in query.params if p.required and p.default is None and p.name not in values]
        if unset:
            print(f"skipped named query {name}: required parameter(s) {', '.join(unset)} without a default", file=sys.stderr)
            continue
        bindings = query.bindings(values, settings.base_iri)
        cases.append(("named", name, "query=" + quote(_inline(query.sparql, bindings), safe="")))
    store = ox.Store.read_only(str(settings.store_dir))
    for kind in ("StrategicGoal", "Objective"):
        rows = list(store.query(f"SELECT ?e WHERE {{ ?e a <{KG}{kind}> }} ORDER BY ?e LIMIT 1", use_default_graph_as_union=True))
        iri = rows[0]["e"].value
        cases.append(("page", kind.lower(), iri[len(settings.base_iri):]))
    cases.insert(len(cases) - 2, ("page", "landing", "/"))
    for name, text in AGGREGATES.items():
        cases.append(("aggregate", name, "query=" + quote(text, safe="")))
    for i, (group, name, path) in enumerate(cases):
        (out / f"{i:02d}-{group}-{name}.path").write_text(path)


def _inline(sparql: str, bindings: dict) -> str:
    """The query with each binding as a VALUES block at the start of the outermost WHERE group."""
    if not bindings:
        return sparql
    values = " ".join(f"VALUES ?{var.value} {{ {term} }}" for var, term in bindings.items())
    match = re.search(r"\bWHERE\s*\{", sparql, re.IGNORECASE)
    if match is None:
        raise SystemExit(f"cannot inline parameters: no WHERE in\n{sparql}")
    return sparql[: match.end()] + " " + values + " " + sparql[match.end():]


# -- report --------------------------------------------------------------------------------------


def _geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def report(results: Path) -> None:
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    by_case: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_case[(row["group"], row["case"])][row["server"]] = row
    servers = [s for s in SERVERS if any(s in r for r in by_case.values())]

    def cell(row: dict | None) -> str:
        if row is None:
            return "–"
        if not row["requests"]:
            return "none finished"
        bad = f" ({row['errors']} err)" if row["errors"] else ""
        rps = f"{row['rps']:,.0f}" if row["rps"] >= 10 else f"{row['rps']:.1f}"
        return f"{rps} · {row['p50_us'] / 1000:.1f} · {row['p95_us'] / 1000:.1f}{bad}"

    head = "| group | case | " + " | ".join(f"{s} req/s · p50 ms · p95 ms" for s in servers)
    pairs = (("ours", "oxigraph"), ("ours", "rdflib-endpoint"), ("ours-nocache", "oxigraph"), ("ours-nocache", "rdflib-endpoint"))
    head += " | ours/Oxigraph | ours/rdflib | ours-nocache/Oxigraph | ours-nocache/rdflib |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    ratios: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (group, case), by_server in by_case.items():
        cols = [cell(by_server.get(s)) for s in servers]
        ratio_cells = []
        for ours, peer in pairs:
            a, b = by_server.get(ours), by_server.get(peer)
            if a and b and a["rps"] > 0 and b["rps"] > 0 and not a["errors"] and not b["errors"]:
                ratio = a["rps"] / b["rps"]
                ratios[f"{ours}/{peer}"][group].append(ratio)
                ratio_cells.append(f"{ratio:.2f}x")
            else:
                ratio_cells.append("–")
        print(f"| {group} | {case} | " + " | ".join(cols) + " | " + " | ".join(ratio_cells) + " |")
    print()
    print("Cells: requests/s · p50 ms · p95 ms. 'none finished': not one answer within the run's duration;")
    print("such cases, and cases with errors, have no ratio and are left out of the means.")
    print()
    print("Geometric means of the per-case throughput ratios:")
    print()
    print("| ratio | tiny + named (the Kemi mix) | aggregates (full KOS) |")
    print("| --- | --- | --- |")
    means: dict[str, dict[str, float]] = {}
    for name, groups in ratios.items():
        mix = _geomean(groups.get("tiny", []) + groups.get("named", []))
        agg = _geomean(groups.get("aggregate", []))
        means[name] = {"mix": mix, "aggregate": agg}
        print(f"| {name} | {mix:.2f}x | {agg:.2f}x |")
    print()
    floors = [
        ("ours/oxigraph", "mix", 0.25, "≥0.25x Oxigraph over the Kemi mix"),
        ("ours/oxigraph", "aggregate", 0.8, "≥0.8x Oxigraph on the KOS aggregates"),
        ("ours/rdflib-endpoint", "aggregate", 10.0, "≥10x rdflib-endpoint on the KOS aggregates"),
        ("ours-nocache/oxigraph", "mix", 0.25, "(without the cache) ≥0.25x Oxigraph over the Kemi mix"),
        ("ours-nocache/oxigraph", "aggregate", 0.8, "(without the cache) ≥0.8x Oxigraph on the KOS aggregates"),
        ("ours-nocache/rdflib-endpoint", "aggregate", 10.0, "(without the cache) ≥10x rdflib-endpoint on the KOS aggregates"),
    ]
    for name, group, floor, text in floors:
        value = means.get(name, {}).get(group, float("nan"))
        verdict = "holds" if value >= floor else ("not measured" if math.isnan(value) else "FAILS")
        print(f"- {text}: {value:.2f}x — {verdict}")


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "cases":
        write_cases(Path(argv[2]), Path(argv[3]))
        return 0
    if len(argv) == 3 and argv[1] == "report":
        report(Path(argv[2]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
