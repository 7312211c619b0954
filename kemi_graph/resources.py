"""Where the project's own files (ontology, data, queries, web templates) are.

A wheel carries them inside the package (``kemi_graph/_project``); a source checkout has them
beside the package. Both layouts are found without any setting.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kemi_graph.errors import ConfigError

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATES = (_PACKAGE_DIR / "_project", _PACKAGE_DIR.parent)


@cache
def project_root() -> Path:
    for candidate in _CANDIDATES:
        if (candidate / "ontology" / "kemi-graph.ttl").is_file():
            return candidate
    raise ConfigError(
        "the project's files (ontology/, data/, queries/, web/) were not found in "
        + " or ".join(str(c) for c in _CANDIDATES)
        + ": reinstall kemi-graph with 'pip install .'"
    )


def ontology_dir() -> Path:
    return project_root() / "ontology"


def data_dir() -> Path:
    return project_root() / "data"


def queries_dir() -> Path:
    return project_root() / "queries"


def web_dir() -> Path:
    return project_root() / "web"
