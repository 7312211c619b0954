"""A build reuses the previous build's per-municipality results only when nothing they depend on changed."""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import RDFS, Literal

from kemi_graph.pipeline import run
from kemi_graph.pipeline.load import load_project, ntriples
from kemi_graph.pipeline.parallel import process_municipalities
from kemi_graph.pipeline.validate import validate
from kemi_graph.config import Settings
from kemi_graph.namespaces import KG, Iris


def test_a_second_build_reuses_the_results_and_gives_the_same_graphs(built_settings: Settings, tmp_path: Path) -> None:
    again = Settings(dist_dir=tmp_path / "dist")
    shutil.copytree(built_settings.dist_dir, again.dist_dir)
    lines: list[str] = []
    run.build(again, log=lines.append)
    assert "(reused the previous build's results for 1 of 1 municipalities: their inputs were unchanged)" in lines
    for graph in ("kemi-inferred", "kemi-suggested"):
        before = (built_settings.dist_dir / "graphs" / f"{graph}.ttl").read_bytes()
        assert (again.dist_dir / "graphs" / f"{graph}.ttl").read_bytes() == before, graph


def test_a_changed_municipality_or_validator_is_computed_again(built_settings: Settings) -> None:
    iris = Iris(built_settings.base_iri)
    project = load_project(iris)
    graphs = {name: ntriples(graph) for name, graph in project.named_graphs(iris).items()}
    assert process_municipalities(project, iris, validate, graphs, earlier=built_settings.dist_dir).reused == 1

    def stand_in(data: object) -> object:
        return validate(data)  # type: ignore[arg-type]

    assert process_municipalities(project, iris, stand_in, graphs, earlier=built_settings.dist_dir).reused == 0

    kemi = project.strategies[0]
    objective = next(kemi.city.subjects(predicate=None, object=KG.Objective))
    kemi.interpretation.add((objective, RDFS.comment, Literal("liikunta ja urheilu", lang="fi")))
    graphs[iris.municipality_graph(kemi.municipality, "interpretation")] = ntriples(kemi.interpretation)
    changed = process_municipalities(project, iris, validate, graphs, earlier=built_settings.dist_dir)
    assert changed.reused == 0
