"""One writer at a time: a command that writes ``dist`` while another does waits for it, or is refused
aloud; it is never lost. Staging folders of killed writers are removed by the next writer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kemi_graph.pipeline import run
from kemi_graph.cli import main
from kemi_graph.config import Settings
from kemi_graph.store import build_info, writer_lock
from municipalities import CODE, CSV_2023, NAME

IMPORTED_GRAPH = "https://w3id.org/kemi-graph/graph/esimerkkila/city"


def _command(dist: Path, *args: str, wait: float) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMI_GRAPH_")}
    env["KEMI_GRAPH_WRITER_WAIT"] = str(wait)
    return subprocess.Popen(
        [sys.executable, "-m", "kemi_graph.cli", "--dist-dir", str(dist), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


@pytest.fixture
def dist_copy(built_settings: Settings, tmp_path: Path) -> Settings:
    settings = Settings(dist_dir=tmp_path / "dist")
    shutil.copytree(built_settings.dist_dir, settings.dist_dir)
    return settings


def test_an_import_during_a_build_waits_for_it_and_is_kept(dist_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build is paused after reading the saved imports (its load step); the import started then must not be lost."""
    loaded, resume = threading.Event(), threading.Event()
    real_saved_tables = run.saved_tables

    def paused(settings: Settings) -> object:
        tables = real_saved_tables(settings)
        loaded.set()
        assert resume.wait(120)
        return tables

    monkeypatch.setattr(run, "saved_tables", paused)
    outcome: list[int] = []
    builder = threading.Thread(target=lambda: outcome.append(main(["--dist-dir", str(dist_copy.dist_dir), "build"])))
    builder.start()
    try:
        assert loaded.wait(120)
        importer = _command(dist_copy.dist_dir, "import", str(CSV_2023), "--municipality", NAME, "--code", CODE, wait=300)
        assert importer.stderr is not None
        waiting = importer.stderr.readline()
        assert "is being written by another kemi-graph command; waiting up to 300 s" in waiting, waiting
    finally:
        resume.set()
        builder.join(120)
    assert outcome == [0]
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert IMPORTED_GRAPH in build_info(dist_copy)["graphs"], "the import was lost"
    manifest = dist_copy.dist_dir / "imports" / "tables" / "esimerkkila" / "municipality.json"
    assert json.loads(manifest.read_text(encoding="utf-8"))["code"] == CODE


def test_a_writer_that_waited_too_long_is_refused_aloud_and_changes_nothing(dist_copy: Settings) -> None:
    before = build_info(dist_copy)
    with writer_lock(dist_copy):
        for args in (["import", str(CSV_2023), "--municipality", NAME, "--code", CODE], ["build"], ["sdg", "import", str(CSV_2023)]):
            refused = _command(dist_copy.dist_dir, *args, wait=0.3)
            out, err = refused.communicate(timeout=120)
            assert refused.returncode == 2, err
            assert f"kemi-graph: {dist_copy.dist_dir}: another kemi-graph command" in err, err
            assert "waited 0.3 s (writer_wait, KEMI_GRAPH_WRITER_WAIT)" in err and "Traceback" not in err
    assert build_info(dist_copy) == before
    assert not (dist_copy.dist_dir / "imports" / "tables").exists()


def test_staging_folders_of_killed_writers_are_removed_by_the_next_writer(dist_copy: Settings) -> None:
    parent = dist_copy.dist_dir.parent
    left = [parent / ".dist-build-k1ll3d", parent / ".dist-import-k1ll3d", parent / ".dist-tables-k1ll3d"]
    unrelated = parent / ".other-build-x"
    unrelated.mkdir()
    with writer_lock(dist_copy):  # a live writer's folders are its own: a refused command leaves them
        for folder in left:
            (folder / "store").mkdir(parents=True)
        refused = _command(dist_copy.dist_dir, "build", wait=0)
        refused.communicate(timeout=120)
        assert refused.returncode == 2 and all(folder.is_dir() for folder in left)
    assert main(["--dist-dir", str(dist_copy.dist_dir), "build"]) == 0
    assert not [folder for folder in left if folder.exists()]
    assert unrelated.is_dir(), "another dist's staging folder is not ours to remove"
