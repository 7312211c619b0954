"""Scale benchmark (not a test): N synthetic municipalities in the template layout, several years.

For each N it runs, in a fresh child process (so peak memory is that N's alone):

1. generate N municipalities × YEARS tables (CSV, the six columns, deterministic text);
2. import: convert + SHACL-validate every table the way ``kemi-graph import`` checks one
   (kemi_graph.importers.municipalities.check_table), then save them as dist/imports/tables;
3. build: ``kemi-graph build`` over Kemi + the N municipalities (SHACL and the OWL 2 RL instance
   rules per municipality, in a process pool over the CPUs; the TBox is closed by owlrl once),
   its publication (dumps, tables, DCAT/VoID description) and store;
4. the comparison queries (queries/compare-*.rq) on the built store, best of 3;
5. with ``--one-more``: ``kemi-graph import`` into the built N (in place, kemi_graph/pipeline/incremental.py)
   of one more municipality's tables (one import per year) and of a table with one corrected cell.

It prints one JSON line per N and a table at the end; docs/scale.md records the figures.

    python scripts/scale_benchmark.py 10 50 100 308 --years 2 --work /tmp/kg-scale --one-more
    python scripts/scale_benchmark.py --queries-only /tmp/kg-scale/n308/dist --rounds 10
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HEADER = ["Tavoite", "Toimenpiteet", "Vastuu ja aikataulu", "Mittarit, arviointi", "Toteuma 1-12/{year}", "SDG"]
GOALS = ["ELINVOIMAINEN KUNTA", "HYVINVOIVAT ASUKKAAT", "KESTÄVÄ YMPÄRISTÖ"]
SUBJECTS = ["Liikunta", "Kirjastopalvelut", "Nuorisotyö", "Energiankulutus", "Kierrätys", "Koulujen hyvinvointi", "Ikäihmisten palvelut",
            "Joukkoliikenne", "Yrittäjyys", "Matkailu", "Kulttuuripalvelut", "Varhaiskasvatus", "Työllisyys", "Asuminen", "Viheralueet"]
VERBS = ["lisääntyy", "paranee", "vahvistuu", "kehittyy", "monipuolistuu"]
ROLES = ["Sivistysjohtaja", "Tekninen johtaja", "Hyte-koordinaattori", "Vapaa-aikapäällikkö", "Rehtorit", "Kunnanjohtaja", "Nuorisosihteeri"]
OBJECTIVES_PER_GOAL = 5


def table_rows(index: int, year: int) -> list[list[str]]:
    rng = random.Random(index * 7919 + year)
    objective_rng = random.Random(index)  # objectives stay the same across years: one identity
    rows: list[list[str]] = []
    for g, goal in enumerate(GOALS):
        rows.append([f"Strateginen päämäärä: {goal}", "", "", "", "", str(objective_rng.choice([3, 8, 11, 13]))])
        rows.append([h.format(year=year) for h in HEADER])
        for o in range(OBJECTIVES_PER_GOAL):
            subject = SUBJECTS[(g * OBJECTIVES_PER_GOAL + o) % len(SUBJECTS)]
            verb = VERBS[objective_rng.randrange(len(VERBS))]
            target = objective_rng.choice([50, 60, 70, 80, 90])
            rows.append([
                f"{subject} {verb} kunnassa {index}",
                f"{subject}: toimintaa laajennetaan.\nYhteistyötä järjestöjen kanssa lisätään.",
                f"{objective_rng.choice(ROLES)}, {objective_rng.choice(ROLES)} {year - 1}-",
                f"Tyytyväisten osuus {target} % vuoden {year} loppuun mennessä\nTapahtumia 4 krt/v",
                f"Tyytyväisten osuus oli {rng.randrange(30, 100)} %. Tapahtumia järjestettiin {rng.randrange(1, 9)}.",
                str(objective_rng.choice(["3", "SDG 4", "11.7", "13 ILMASTOTEKOJA", ""])),
            ])
    return rows


def write_tables(folder: Path, n: int, years: list[int], first: int = 1) -> list[tuple[str, str, dict[int, Path]]]:
    made = []
    for i in range(first, n + 1):
        name, code = f"Testikunta {i:03d}", f"T{i:03d}"
        files = {year: write_csv(folder / f"testikunta-{i:03d}-{year}.csv", table_rows(i, year)) for year in years}
        made.append((name, code, files))
    return made


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children: what the work cost,
    whatever else the machine was running meanwhile."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def import_tables(made: list[tuple[str, str, dict[int, Path]]], iris: object, saved: Path) -> None:
    """Check every table as ``kemi-graph import`` does, then keep it where the build finds imported tables."""
    from kemi_graph.importers.municipalities import MANIFEST, ImportedMunicipality, check_table
    from kemi_graph.importers.table import municipality_slug

    for name, code, files in made:
        earlier = None
        for year, path in sorted(files.items()):
            check_table(path, iris, name=name, code=code, year=year, earlier=earlier)
            earlier = ImportedMunicipality(municipality_slug(name), name, code, {**(earlier.files if earlier else {}), year: path})
        folder = saved / municipality_slug(name)
        folder.mkdir(parents=True)
        for year, path in files.items():
            shutil.copy2(path, folder / f"{year}.csv")
        (folder / MANIFEST).write_text(json.dumps({"name": name, "code": code, "files": {str(y): f"{y}.csv" for y in files}}), encoding="utf-8")


def run_one(n: int, years: list[int], work: Path, one_more: bool = False) -> dict[str, object]:
    from kemi_graph import queries
    from kemi_graph.pipeline.run import build
    from kemi_graph.config import Settings
    from kemi_graph.namespaces import Iris
    from kemi_graph.store import build_info, open_read_only

    shutil.rmtree(work, ignore_errors=True)
    (work / "tables").mkdir(parents=True)
    settings = Settings(dist_dir=work / "dist")
    iris = Iris(settings.base_iri)
    made = write_tables(work / "tables", n, years)
    report: dict[str, object] = {"n": n, "years": len(years)}

    started = time.perf_counter()
    saved = work / "dist-imports" / "tables"
    import_tables(made, iris, saved)
    report["import_s"] = round(time.perf_counter() - started, 2)
    report["import_peak_mib"] = peak_mib()

    from kemi_graph.importers.municipalities import TableImports

    started, cpu = time.perf_counter(), cpu_s()
    steps: dict[str, float] = build(settings, log=lambda line: None, tables=TableImports.read(saved)).seconds
    report["build_s"] = round(time.perf_counter() - started, 2)
    report["build_cpu_s"] = round(cpu_s() - cpu, 2)
    report["build_steps"] = steps
    report["build_peak_mib"] = peak_mib()
    report["triples"] = sum(build_info(settings)["graphs"].values())

    store = open_read_only(settings)
    timings = {}
    for name, named in queries.all_queries().items():
        if not name.startswith("compare-"):
            continue
        values = {"municipalityB": "<{base}/id/testikunta-001>"} if named.param("municipalityB") else {}  # one pair of municipalities
        best = None
        for _ in range(3):
            started = time.perf_counter()
            rows = len(list(named.run(store, values, base_iri=settings.base_iri)))
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        timings[name] = {"s": round(best or 0, 3), "rows": rows}
    del store
    report["queries"] = timings
    report["query_peak_mib"] = peak_mib()
    if one_more:
        report["imports"] = time_imports(settings, work, n, years)
    return report


def time_imports(settings: object, work: Path, n: int, years: list[int]) -> list[dict[str, object]]:
    """What a municipality waits for once the N are built: ``kemi-graph import`` (the same function)
    of one more municipality's tables, one year after the other, then of one municipality's table
    with one corrected cell. Each is timed from the command's start to the swapped-in dist."""
    from kemi_graph.importers.municipalities import import_table
    from kemi_graph.store import build_info

    (name, code, files), = write_tables(work / "tables", n + 1, years, first=n + 1)
    corrected = table_rows(1, years[-1])
    corrected[2][4] += " Korjattu luku."  # the first objective's reported result
    jobs = [(f"one more municipality, {year}", files[year], name, code) for year in sorted(files)]
    jobs.append(("a corrected cell", write_csv(work / "tables" / "testikunta-001-corrected.csv", corrected), "Testikunta 001", "T001"))
    timed = []
    for what, path, municipality, municipality_code in jobs:
        lines: list[str] = []
        started, cpu = time.perf_counter(), cpu_s()
        import_table(settings, path, name=municipality, code=municipality_code, log=lines.append)  # type: ignore[arg-type]
        timed.append({
            "what": what, "s": round(time.perf_counter() - started, 2), "cpu_s": round(cpu_s() - cpu, 2),
            "in_place": any("in place of a full build" in line for line in lines),
            "steps": build_info(settings)["seconds"], "peak_mib": peak_mib(),  # type: ignore[arg-type]
        })
    return timed


def time_queries(dist: Path, rounds: int) -> dict[str, dict[str, float]]:
    """The comparison queries on an existing build, interleaved (each in turn, ``rounds`` times): min and median s.

    Interleaving spreads the machine's noise over all queries alike instead of over one at a time.
    """
    import statistics

    from kemi_graph import queries
    from kemi_graph.config import Settings
    from kemi_graph.store import open_read_only

    settings = Settings(dist_dir=dist)
    store = open_read_only(settings)
    named = {name: q for name, q in sorted(queries.all_queries().items()) if name.startswith("compare-")}
    values = {name: ({"municipalityB": "<{base}/id/testikunta-001>"} if q.param("municipalityB") else {}) for name, q in named.items()}
    times: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(rounds):
        for name, query in named.items():
            started = time.perf_counter()
            list(query.run(store, values[name], base_iri=settings.base_iri))
            times[name].append(time.perf_counter() - started)
    return {name: {"min_s": round(min(t), 3), "median_s": round(statistics.median(t), 3)} for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 50])
    parser.add_argument("--years", type=int, default=2, help="reporting years per municipality (default 2: 2023, 2024)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kemi-graph-scale"))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: run one size
    parser.add_argument("--one-more", action="store_true",
                        help="then time 'kemi-graph import' into the built N: one more municipality (each year), and a corrected cell")
    parser.add_argument("--queries-only", type=Path, metavar="DIST", help="only time the comparison queries on this existing build (e.g. WORK/n308/dist)")
    parser.add_argument("--rounds", type=int, default=10, help="with --queries-only: rounds of the interleaved queries (default 10)")
    args = parser.parse_args()
    if args.queries_only is not None:
        print(json.dumps(time_queries(args.queries_only, args.rounds)))
        return 0
    years = [2023 + i for i in range(args.years)]
    if args.one is not None:
        print(json.dumps(run_one(args.one, years, args.work / f"n{args.one}", args.one_more)), flush=True)
        return 0
    results = []
    for n in args.sizes:
        extra = ["--one-more"] if args.one_more else []
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--years", str(args.years), "--work", str(args.work), *extra],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(result), flush=True)
        results.append(result)
    print("\n| N | years | triples | import s (s/municipality) | build s (s/municipality) | build steps s | peak MiB | compare queries s (rows) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        n = r["n"]
        steps = ", ".join(f"{k} {v}" for k, v in r["build_steps"].items())
        queries = ", ".join(f"{k.removeprefix('compare-')} {q['s']} ({q['rows']})" for k, q in r["queries"].items())
        print(f"| {n} | {r['years']} | {r['triples']} | {r['import_s']} ({r['import_s'] / n:.2f}) | {r['build_s']} ({r['build_s'] / n:.2f}) | "
              f"{steps} | {max(r['import_peak_mib'], r['build_peak_mib'], r['query_peak_mib'])} | {queries} |")
    for r in results:
        for timed in r.get("imports", []):
            steps = ", ".join(f"{k} {v}" for k, v in timed["steps"].items())
            print(f"N={r['n']}: import of {timed['what']}: {timed['s']} s, CPU {timed['cpu_s']} s "
                  f"({'in place' if timed['in_place'] else 'full build'}; {steps})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
