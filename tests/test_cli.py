"""The command line as a user meets it: build, query, validate; exit codes, messages, and an old build
that survives a failed one."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kemi_graph.pipeline import run
from kemi_graph.pipeline.validate import ValidationResult, Violation
from kemi_graph.cli import main
from kemi_graph.config import Settings
from kemi_graph.errors import ValidationFailed
from kemi_graph.resources import data_dir
from kemi_graph.store import BUILD_INFO, build_info, open_read_only, run_query

COUNT_OBJECTIVES = (
    "PREFIX kg: <https://w3id.org/kemi-graph/ontology#> SELECT (COUNT(?o) AS ?objectives) WHERE { ?o a kg:Objective }"
)


def kemi_graph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMI_GRAPH_")}
    return subprocess.run(
        [sys.executable, "-m", "kemi_graph.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def test_query_prints_a_table_by_default(built_settings: Settings) -> None:
    done = kemi_graph("--dist-dir", str(built_settings.dist_dir), "query", "-e", COUNT_OBJECTIVES)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].strip() == "objectives"
    assert done.stdout.splitlines()[2].strip() == "16"
    assert "(1 row)" in done.stdout


def test_query_from_a_file_as_csv_and_json(built_settings: Settings, tmp_path: Path) -> None:
    query_file = tmp_path / "count.rq"
    query_file.write_text(COUNT_OBJECTIVES, encoding="utf-8")
    as_csv = kemi_graph("--dist-dir", str(built_settings.dist_dir), "query", str(query_file), "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["objectives"], ["16"]]
    as_json = kemi_graph("--dist-dir", str(built_settings.dist_dir), "query", str(query_file), "--format", "json")
    assert json.loads(as_json.stdout)["results"]["bindings"][0]["objectives"]["value"] == "16"


def test_a_malformed_query_is_an_error_with_the_parsers_message(built_settings: Settings) -> None:
    done = kemi_graph("--dist-dir", str(built_settings.dist_dir), "query", "-e", "SELECT ?x WHERE { ?x")
    assert done.returncode == 2
    assert done.stderr.startswith("kemi-graph: ")
    assert "Traceback" not in done.stderr


def test_query_before_any_build_says_to_build(tmp_path: Path) -> None:
    done = kemi_graph("--dist-dir", str(tmp_path / "nothing"), "query", "-e", COUNT_OBJECTIVES)
    assert done.returncode == 2
    assert "kemi-graph build" in done.stderr


def test_build_then_query_from_the_command_line(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = kemi_graph("--dist-dir", str(dist), "build")
    assert built.returncode == 0, built.stderr
    for step in ("load", "validate+reason+suggest", "store", "dumps", "publish"):
        assert step in built.stdout
    assert "triples" in built.stdout
    assert {"build-info.json", "dataset.nq", "dataset.trig", "graphs", "store"} <= {p.name for p in dist.iterdir()}
    # the publication step (kemi_graph.publish): compressed dumps, tables, checksums, manifest, description
    assert {"dataset.nq.gz", "tables", "SHA256SUMS", "downloads.json", "void.ttl"} <= {p.name for p in dist.iterdir()}
    queried = kemi_graph("--dist-dir", str(dist), "query", "-e", COUNT_OBJECTIVES, "--format", "csv")
    assert queried.stdout.split() == ["objectives", "16"]


@pytest.fixture
def copy_of_build(built_settings: Settings, tmp_path: Path) -> Settings:
    dist = tmp_path / "dist"
    shutil.copytree(built_settings.dist_dir, dist)
    return Settings(dist_dir=dist)


@pytest.mark.parametrize("option", [["build", "--processes", "-1"], ["--base-iri", "ftp://example.org", "build"]])
def test_a_bad_setting_is_refused_by_name_before_anything_is_built(tmp_path: Path, option: list[str]) -> None:
    done = kemi_graph("--dist-dir", str(tmp_path / "dist"), *option)
    assert done.returncode == 2
    assert done.stderr.startswith("kemi-graph: build_processes:" if "--processes" in option else "kemi-graph: base_iri:")
    assert not (tmp_path / "dist").exists()


def test_a_build_that_fails_validation_leaves_the_previous_build_intact(
    copy_of_build: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = build_info(copy_of_build)
    broken = ValidationResult(False, [Violation("ex:objective", "Tavoite", "kg:strategicGoal", "needs a goal", "Violation")])
    monkeypatch.setattr(run, "validate", lambda data: broken)
    with pytest.raises(ValidationFailed) as failure:
        run.build(copy_of_build, log=lambda line: None)
    assert "ex:objective (Tavoite): kg:strategicGoal: needs a goal" in failure.value.report
    assert build_info(copy_of_build) == before
    assert bool(run_query(open_read_only(copy_of_build), "ASK { GRAPH ?g { ?s ?p ?o } }"))


def test_a_build_that_fails_while_writing_leaves_the_previous_build_intact(
    copy_of_build: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (copy_of_build.dist_dir / BUILD_INFO).read_bytes()

    def disk_full(*args: object, **named: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run, "assemble", disk_full)
    with pytest.raises(OSError):
        run.build(copy_of_build, log=lambda line: None)
    assert (copy_of_build.dist_dir / BUILD_INFO).read_bytes() == before
    assert not list(copy_of_build.dist_dir.parent.glob(".dist-build-*")), "the staging folder was left behind"


def test_a_full_disk_during_a_build_is_a_message_and_the_previous_build_stays(
    copy_of_build: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (copy_of_build.dist_dir / BUILD_INFO).read_bytes()
    real_write = Path.write_bytes

    def disk_full(path: Path, data: bytes) -> int:
        if path.name == "void.ttl":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_write(path, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    assert main(["--dist-dir", str(copy_of_build.dist_dir), "build"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kemi-graph: build: ") and "void.ttl: No space left on device" in err, err
    assert f"the previous build in {copy_of_build.dist_dir} is unchanged" in err
    assert (copy_of_build.dist_dir / BUILD_INFO).read_bytes() == before
    assert not list(copy_of_build.dist_dir.parent.glob(".dist-build-*")), "the staging folder was left behind"


def test_validate_reports_a_removed_link_by_the_nodes_label(built_settings: Settings, tmp_path: Path) -> None:
    city = built_settings.dist_dir / "graphs" / "kemi-city.ttl"
    interpretation = built_settings.dist_dir / "graphs" / "kemi-interpretation.ttl"
    lines = city.read_text(encoding="utf-8")
    broken = tmp_path / "city.ttl"
    import rdflib

    graph = rdflib.Graph().parse(data=lines, format="turtle")
    kg = rdflib.Namespace("https://w3id.org/kemi-graph/ontology#")
    objective = next(graph.subjects(kg.strategicGoal, None))
    graph.remove((objective, kg.strategicGoal, None))
    graph.serialize(broken, format="turtle")
    done = kemi_graph("validate", str(broken), str(interpretation))
    assert done.returncode == 1
    label = str(graph.value(objective, rdflib.SKOS.prefLabel))
    assert label[:40] in done.stdout
    assert "strategicGoal" in done.stdout


def test_validate_accepts_the_curated_strategy(tmp_path: Path) -> None:
    done = kemi_graph("validate", str(data_dir() / "kemi" / "strategy.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Conforms" in done.stdout


def test_a_broken_strategy_file_is_refused_naming_file_and_element(tmp_path: Path) -> None:
    folder = tmp_path / "kemi"
    shutil.copytree(data_dir() / "kemi", folder)
    yaml_file = folder / "strategy.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("goal: 3,", "goal: 18,", 1).replace("goal: 3}", "goal: 18}", 1), encoding="utf-8")
    done = kemi_graph("validate", str(yaml_file))
    assert done.returncode == 2
    assert str(yaml_file) in done.stderr
    assert "strategic_goals[0].sdg[0]" in done.stderr
    assert "18" in done.stderr


def test_the_committed_rdf_matches_the_curated_strategy() -> None:
    import pyoxigraph as ox

    from kemi_graph.pipeline.checks import RDF_OF_STRATEGY, strategy_trig
    from kemi_graph.namespaces import Iris

    yaml_file = data_dir() / "kemi" / "strategy.yaml"
    committed = set(ox.parse(path=yaml_file.with_name(RDF_OF_STRATEGY), format=ox.RdfFormat.TRIG))
    fresh = set(ox.parse(strategy_trig(yaml_file, Iris(Settings().base_iri)), format=ox.RdfFormat.TRIG))
    assert committed == fresh, "run 'kemi-graph convert' after editing strategy.yaml"
