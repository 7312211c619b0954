#!/usr/bin/env python3
"""Precision, recall and F1 of the suggested SDG links against the project's gold annotations.

Gold: ``examples/sdg-gold/{municipality}.csv`` (columns kind, text, sdg; ``sdg`` holds UN target
codes such as ``3.4`` and goal numbers such as ``3`` for an element that belongs to a goal but to
none of its targets, space-separated, empty for none; guideline in docs/sdg.md). The elements
come from ``examples/{municipality}/*-2023.csv`` read by the table importer, as ``kemi-graph
import`` reads them; the method never sees the gold. Target level: suggested targets against the
gold's targets (goal-only annotations and goal-level suggestions do not count). Goal level: the
goals of the suggested targets and the suggested goals against the goals of every gold code.
Figures are micro-averaged over the elements (sum of hits / sum of suggested, sum of hits / sum
of gold); ``--threshold`` keeps only suggestions scoring at least that much (default: the
lexicon's threshold, the one shown by default). ``--calibrate`` prints, per evidence class, how
many of its suggestions are right over the named sets (a target suggestion against the gold's
targets, a goal-level one against the gold's goals): the figures the lexicon's ``calibration`` scores are computed from.

    python scripts/sdg_suggestion_benchmark.py [--threshold 0.6] [--municipality kuvitelmala] [--rows]
    python scripts/sdg_suggestion_benchmark.py --calibrate --municipality esimerkkila --municipality kuvitelmala
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdflib import RDF  # noqa: E402

from kemi_graph.pipeline.sdg_lexicon import EVIDENCE_CLASSES, load_lexicon  # noqa: E402
from kemi_graph.pipeline.suggest import METHOD_NAME, METHOD_VERSION, suggest  # noqa: E402
from kemi_graph.config import Settings  # noqa: E402
from kemi_graph.importers.table import TableFile, convert_tables  # noqa: E402
from kemi_graph.namespaces import KG, Iris  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "examples" / "sdg-gold"
KINDS = {KG.Objective: "objective", KG.Action: "action", KG.Indicator: "indicator", KG.Result: "result"}


@dataclass
class Tally:
    hits: int = 0
    suggested: int = 0
    gold: int = 0

    def add(self, got: set[str], wanted: set[str]) -> None:
        self.hits += len(got & wanted)
        self.suggested += len(got)
        self.gold += len(wanted)

    def line(self, level: str) -> str:
        p = self.hits / self.suggested if self.suggested else float("nan")
        r = self.hits / self.gold if self.gold else float("nan")
        f1 = 2 * p * r / (p + r) if self.suggested and self.gold and p + r else 0.0
        return f"{level:<7} precision {self.hits}/{self.suggested} = {p:.2f}   recall {self.hits}/{self.gold} = {r:.2f}   F1 {f1:.2f}"


@dataclass
class Scores:
    target: Tally = field(default_factory=Tally)
    goal: Tally = field(default_factory=Tally)
    evidence: dict[str, Tally] = field(default_factory=dict)  # evidence class -> its suggestions, any score
    rows: list[str] = field(default_factory=list)


def read_gold(path: Path) -> dict[tuple[str, str], set[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["kind"], row["text"]): set(row["sdg"].split()) for row in csv.DictReader(handle)}


def goal_of(code: str) -> str:
    return code.split(".")[0]


def score(municipality: str, threshold: float | None, iris: Iris) -> Scores:
    gold = read_gold(GOLD / f"{municipality}.csv")
    tables = sorted((REPO / "examples" / municipality).glob("*-2023.csv"))
    converted = convert_tables([TableFile(t) for t in tables], iris, municipality=municipality, name=municipality, code="000")
    lexicon = load_lexicon()
    minimum = lexicon.threshold if threshold is None else threshold
    suggested = suggest(converted.city, converted.interpretation, iris, municipality, lexicon)
    by_element: dict[object, set[str]] = {}
    by_class: dict[object, dict[str, str]] = {}
    for node in suggested.subjects(RDF.type, KG.SdgSuggestion):
        element = suggested.value(node, KG.suggestionOf)
        code = str(suggested.value(node, KG.suggestedTarget) or suggested.value(node, KG.suggestedGoal)).rsplit("/", 1)[1]
        by_class.setdefault(element, {})[code] = str(suggested.value(node, KG.evidenceClass))
        if float(suggested.value(node, KG.score)) >= minimum:
            by_element.setdefault(element, set()).add(code)
    scores = Scores(evidence={c: Tally() for c in EVIDENCE_CLASSES})
    seen = set()
    for cls, kind in KINDS.items():
        for element in converted.city.subjects(RDF.type, cls):
            key = (kind, str(converted.city.value(element, KG.verbatimText)))
            if key not in gold:
                raise SystemExit(f"{municipality}: {key} is not in the gold file {GOLD / f'{municipality}.csv'}")
            seen.add(key)
            got, wanted = by_element.get(element, set()), gold[key]
            goals = {goal_of(c) for c in wanted}
            scores.target.add({c for c in got if "." in c}, {c for c in wanted if "." in c})
            scores.goal.add({goal_of(c) for c in got}, goals)
            for code, evidence in by_class.get(element, {}).items():
                scores.evidence[evidence].add({code}, {code} & (wanted if "." in code else goals))
            scores.rows.append(f"  {kind:<9} {key[1][:70]:<70} gold {' '.join(sorted(wanted)) or '-':<12} suggested {' '.join(sorted(got)) or '-'}")
    missing = set(gold) - seen
    if missing:
        raise SystemExit(f"{municipality}: gold elements the import did not produce: {sorted(missing)}")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipality", action="append", help="a gold file's name (default: every file in examples/sdg-gold)")
    parser.add_argument("--threshold", type=float, help="lowest score counted (default: the lexicon's threshold)")
    parser.add_argument("--calibrate", action="store_true", help="print each evidence class's precision over the sets, summed")
    parser.add_argument("--rows", action="store_true", help="also print every element's gold and suggested codes")
    args = parser.parse_args(argv)
    iris = Iris(Settings.from_env().base_iri)
    lexicon = load_lexicon()
    names = args.municipality or sorted(p.stem for p in GOLD.glob("*.csv"))
    threshold = lexicon.threshold if args.threshold is None else args.threshold
    print(f"method {METHOD_NAME} {METHOD_VERSION}, lexicon {lexicon.version} (sha256 {lexicon.sha256[:12]}), threshold {threshold}")
    classes = {c: Tally() for c in EVIDENCE_CLASSES}
    for name in names:
        scores = score(name, args.threshold, iris)
        for evidence, tally in scores.evidence.items():
            classes[evidence].hits += tally.hits
            classes[evidence].suggested += tally.suggested
        print(f"{name}: {len(scores.rows)} elements")
        print("  " + scores.target.line("target"))
        print("  " + scores.goal.line("goal"))
        if args.rows:
            print("\n".join(scores.rows))
    if args.calibrate:
        print(f"evidence classes over {', '.join(names)}: right / suggested, and (right + 1) / (suggested + 2)")
        for evidence, tally in classes.items():
            print(f"  {evidence:<13} {tally.hits}/{tally.suggested}   {(tally.hits + 1) / (tally.suggested + 2):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
