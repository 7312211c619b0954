"""Replacing one municipality in a built dist without rebuilding the rest (``kemi-graph import``).

A full build (kemi_graph/pipeline/run.py) leaves, besides the store and the publication, the
per-graph and per-part pieces the publication is made of (kemi_graph/publish/assemble.py) under a
key of everything the other municipalities' results depend on: kemi-graph's code, the ontology
and shapes, the SDG and data-source files, the curated strategies under ``data/``, the saved UN
SDG KOS import, the base IRI and the contact setting (:func:`inputs_key`). When the key still
matches, importing one municipality only

1. runs its per-municipality pass (SHACL, OWL 2 RL, SDG suggestions; reused when unchanged);
2. makes a staged copy of ``dist`` out of hard links (the store's mutable files copied), replaces
   the municipality's named graphs in the staged store, writes its own dumps anew and composes
   the dataset files, tables, checksums and description from the cached pieces of the others;
3. swaps the staged copy in, as a build does: a reader (``kemi-graph query``, a server following
   builds through ``build-info.json``) sees the complete old dist or the complete new one.

The result is byte for byte what a full build of the same inputs writes (dumps, tables,
description, version; tests/test_incremental.py), except the store's own files. When the key
does not match (or there is no cache), the import runs a full build instead, which writes a
cache the next import can build on.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kemi_graph import __version__
from kemi_graph.pipeline import reuse
from kemi_graph.pipeline.load import ProjectGraphs, ntriples, strategy_files
from kemi_graph.config import Settings
from kemi_graph.errors import InputError
from kemi_graph.importers.common import ConvertedStrategy
from kemi_graph.namespaces import KG, Iris
from kemi_graph.publish import assemble as publication
from kemi_graph.publish import description as desc
from kemi_graph.publish.dumps import write_file
from kemi_graph.store import BUILD_INFO, STORE_FOLDER, swap_into_place

Log = Callable[[str], None]
SAVED_IMPORTS = Path("imports")


def inputs_key(settings: Settings, check: object) -> str:
    """The publication cache's key (kemi_graph.publish.assemble.cache_key) for this project and ``settings``."""
    digest = hashlib.sha256(reuse.shared_key(settings.base_iri, check).encode("ascii"))
    for path in strategy_files():
        digest.update(path.parent.name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    kos = settings.dist_dir / SAVED_IMPORTS
    for path in sorted(kos.glob("*.nt")) if kos.is_dir() else []:
        digest.update(path.name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return publication.cache_key(settings, digest.hexdigest())


def can_update(settings: Settings, check: object) -> bool:
    """Whether ``dist`` holds a publication this project's inputs can be updated on."""
    return publication.cached_key(settings.dist_dir) == inputs_key(settings, check) and (settings.dist_dir / BUILD_INFO).is_file()


def replace_municipality(
    settings: Settings, converted: ConvertedStrategy, save_tables: Callable[[Path], None], log: Log = print
) -> dict[str, float]:
    """Put ``converted`` (already checked, kemi_graph.importers.municipalities.check_table) into
    ``dist`` in place of its earlier graphs, or beside the others; ``save_tables(staging)`` saves
    the imported files into the staged dist. Returns the seconds of each step."""
    from kemi_graph.pipeline.parallel import process_municipalities
    from kemi_graph.pipeline.validate import validate

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    iris = Iris(settings.base_iri)
    dist = settings.dist_dir.resolve()
    _check_code(dist, iris, converted)
    project = _project_of(converted, iris)
    given = {iris.municipality_graph(converted.municipality, kind): ntriples(graph)
             for kind, graph in (("city", converted.city), ("interpretation", converted.interpretation))}
    seconds["load"] = time.perf_counter() - started
    started = time.perf_counter()
    passed = process_municipalities(project, iris, validate, given, settings.build_processes, earlier=dist)
    given.update(passed.graphs)
    seconds["validate+reason+suggest"] = time.perf_counter() - started
    del project
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}-build-", dir=dist.parent))
    try:
        publication.linked_copy(dist, staging)
        seconds["copy"] = time.perf_counter() - started
        save_tables(staging)
        reuse.write(staging, passed.results)
        made = publication.assemble(
            staging, settings, {str(g): data for g, data in given.items()}, publication.cached_key(dist) or "", dist,
            keep_changed=True, validate_all=False, log=lambda step, s: seconds.__setitem__(step, s),
        )
        started = time.perf_counter()
        _update_store(staging / STORE_FOLDER, made.changed, made.description, settings.base_iri)
        seconds["store"] = time.perf_counter() - started
        info = json.loads((dist / BUILD_INFO).read_text(encoding="utf-8"))
        counts = {name: made.graphs.get(name, 0) for name in [*info["graphs"], *map(str, given)]}
        counts[desc.description_graph(settings.base_iri)] = len(made.description)
        info.update(version=made.version, kemi_graph=__version__, graphs=dict(sorted(counts.items())),
                    seconds={step: round(value, 3) for step, value in seconds.items()})
        info["built"] = _now()
        write_file(staging / BUILD_INFO, (json.dumps(info, indent=2) + "\n").encode("utf-8"))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_into_place(staging, dist)
    log(f"updated {settings.dist_dir} in place of a full build: {converted.municipality}'s graphs replaced "
        f"(dataset version {made.version[:12]})")
    return seconds


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_code(dist: Path, iris: Iris, converted: ConvertedStrategy) -> None:
    """A municipality's code is its own: another municipality of the built dataset may not have it."""
    code = str(converted.city.value(iris.municipality(converted.municipality), KG.municipalityCode) or "")
    mine = str(iris.municipality(converted.municipality))
    for path in sorted((dist / publication.CACHE / publication.PARTS).glob("*.json")):
        if path.name.endswith(".rows.json"):
            continue
        for iri, values in json.loads(path.read_text(encoding="utf-8"))["municipalities"].items():
            if iri != mine and code and code in values.get("code", []):
                raise InputError(
                    f"imported municipality {converted.municipality!r}: code {code!r} is already the code of "
                    f"{iri.rsplit('/', 1)[-1]!r}; each municipality has its own code"
                )


def _project_of(converted: ConvertedStrategy, iris: Iris) -> ProjectGraphs:
    from kemi_graph.pipeline.load import shared_graphs
    from kemi_graph.importers.data_sources import data_sources_graph

    project = shared_graphs()
    project.data_sources = data_sources_graph(iris)
    project.strategies.append(converted)
    return project


def _update_store(path: Path, changed: dict[str, list[ox.Quad]], description: list[ox.Quad], base_iri: str) -> None:
    """Replace the changed graphs and the description graph in the (staged) store.

    Only the difference is written: most of the description (every graph's subset and files)
    stays as it was, and deleting and inserting it whole took seconds at 300 municipalities.
    """
    store = ox.Store(str(path))
    for graph, quads in [*changed.items(), (desc.description_graph(base_iri), description)]:
        before = set(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        after = set(quads)
        for quad in before - after:
            store.remove(quad)
        store.extend(after - before)
    store.flush()
    del store
