"""A rebuild as a user meets it: unchanged input keeps its version and ETags."""

from __future__ import annotations

import shutil
from pathlib import Path

from kemi_graph.pipeline import run
from kemi_graph.config import Settings
from kemi_graph.store import build_info
from kemi_graph.web.app import create_app


def _etag(settings: Settings, path: str) -> str:
    app = create_app(settings)
    try:
        return app.test_client().get(path, headers={"Accept": "text/turtle"}).headers["ETag"]
    finally:
        app.extensions["kemi_graph"].close()


def test_a_rebuild_of_unchanged_input_keeps_the_version_and_the_etags(built_settings: Settings, tmp_path: Path) -> None:
    settings = Settings(dist_dir=tmp_path / "dist")
    shutil.copytree(built_settings.dist_dir, settings.dist_dir)
    before = build_info(settings)["version"], _etag(settings, "/ontology"), (settings.dist_dir / "dataset.nq").read_bytes()
    run.build(settings, log=lambda line: None)  # the ontology's blank nodes get new labels when parsed again
    after = build_info(settings)["version"], _etag(settings, "/ontology"), (settings.dist_dir / "dataset.nq").read_bytes()
    assert after == before
