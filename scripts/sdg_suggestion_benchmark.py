#!/usr/bin/env python3
"""Precision and recall of the suggested SDG links at goal level, against the city's own links.

The reference: the city links its strategic goal ELINVOIMAINEN KAUPUNKI to ten SDGs
(3, 6, 7, 8, 9, 11, 12, 13, 14, 15); every objective and action under it is taken as "truly"
linked to those ten goals (the icons belong to the strategic goal as a whole). The method's
goals for an element are the goals of the targets it suggests (kg:suggestedGoal). Figures are
micro-averaged over the elements (sum of hits / sum of suggested, sum of hits / sum of true);
per-element rows follow. The method never sees the city's links (it reads only the text).

    python scripts/sdg_suggestion_benchmark.py [--strategic-goal ID] [--kinds objective,action]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdflib import RDF  # noqa: E402

from kemi_graph.build.load import load_project  # noqa: E402
from kemi_graph.build.suggest import METHOD_VERSION, load_terms, suggest  # noqa: E402
from kemi_graph.config import Settings  # noqa: E402
from kemi_graph.namespaces import KG, Iris  # noqa: E402

KINDS = {"objective": KG.Objective, "action": KG.Action, "indicator": KG.Indicator, "result": KG.Result}


def goal_number(iri: object) -> int:
    return int(str(iri).rsplit("/", 1)[-1].split(".")[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategic-goal", default="elinvoimainen-kaupunki", help="id of the strategic goal whose SDG links are the reference")
    parser.add_argument("--kinds", default="objective,action", help="element kinds to score (objective,action,indicator,result)")
    args = parser.parse_args(argv)
    iris = Iris(Settings.from_env().base_iri)
    terms = load_terms()
    project = load_project(iris)
    total_hits = total_suggested = total_true = elements = 0
    lines = []
    for strategy in project.strategies:
        city = strategy.city
        goals = [g for g in city.subjects(RDF.type, KG.StrategicGoal) if str(g).endswith("/goal/" + args.strategic_goal)]
        if not goals:
            continue
        goal = goals[0]
        truth = {goal_number(s) for s in city.objects(goal, KG.sdg)}
        suggested = suggest(city, strategy.interpretation, iris, strategy.municipality, terms)
        by_element: dict[object, set[int]] = {}
        for node in suggested.subjects(RDF.type, KG.SdgSuggestion):
            by_element.setdefault(suggested.value(node, KG.suggestionOf), set()).add(goal_number(suggested.value(node, KG.suggestedGoal)))
        objectives = set(city.subjects(KG.strategicGoal, goal))
        members = set(objectives)
        for link in (KG.objective, KG.indicatorOf, KG.resultOf):
            for objective in objectives:
                members |= set(city.subjects(link, objective))
        wanted = {KINDS[k.strip()] for k in args.kinds.split(",") if k.strip()}
        for element in sorted(members):
            if not any((element, RDF.type, kind) in city for kind in wanted):
                continue
            got = by_element.get(element, set())
            hits = got & truth
            elements += 1
            total_hits += len(hits)
            total_suggested += len(got)
            total_true += len(truth)
            lines.append(f"  {str(element).rsplit('/', 2)[-2]:<10} {str(element).rsplit('/', 1)[-1]:<42} suggested {sorted(got)!s:<14} hits {sorted(hits)}")
        print(f"{strategy.municipality}: reference = SDG goals {sorted(truth)} of strategic goal {args.strategic_goal!r}")
    precision = total_hits / total_suggested if total_suggested else float("nan")
    recall = total_hits / total_true if total_true else float("nan")
    print(f"method sdg-term-match {METHOD_VERSION}, term list {terms.version} (sha256 {terms.sha256[:12]}), min_score {terms.min_score}")
    print(f"elements: {elements} ({args.kinds})")
    print(f"goal-level precision: {total_hits}/{total_suggested} = {precision:.3f}")
    print(f"goal-level recall:    {total_hits}/{total_true} = {recall:.3f}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
