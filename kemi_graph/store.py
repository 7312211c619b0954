"""The embedded Oxigraph store: opened read-only for queries, built in a staging folder and swapped in.

A build writes a complete new ``dist`` folder (store, dumps, ``build-info.json``) beside the
old one and swaps the two only after every step has succeeded, so a failed build leaves the
previous ``dist`` and store as they were.

One writer at a time: every command that writes ``dist`` (build, import, sdg import, release,
convert) holds :func:`writer_lock` for its whole run, so an import cannot slip in between a
build's reading of the saved imports and its swap (and be lost).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kemi_graph.config import Settings
from kemi_graph.errors import KemiGraphError, QueryError, StoreNotBuilt
from kemi_graph.query_text import checked, dataset_arguments

BUILD_INFO = "build-info.json"
STORE_FOLDER = "store"

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
# Staging folders beside dist, "{prefix}{dist name}-{kind}-{random}": a build's, an SDG import's, a table import's.
STAGING_KINDS = ("build", "import", "tables")
LOCK_POLL_SECONDS = 0.1


class WriterBusy(KemiGraphError):
    """Another command held the writer lock for longer than ``writer_wait``."""


def open_read_only(settings: Settings) -> ox.Store:
    """The built store; readers in several processes may open it at once."""
    if not (settings.dist_dir / BUILD_INFO).is_file():
        raise StoreNotBuilt(f"no built graph in {settings.dist_dir}: run 'kemi-graph build' first")
    return ox.Store.read_only(str(settings.store_dir))


def build_info(settings: Settings) -> dict[str, Any]:
    """What the last successful build recorded: its version (a content hash), graphs and counts."""
    path = settings.dist_dir / BUILD_INFO
    if not path.is_file():
        raise StoreNotBuilt(f"no built graph in {settings.dist_dir}: run 'kemi-graph build' first")
    return json.loads(path.read_text(encoding="utf-8"))


def run_query(
    store: ox.Store,
    sparql: str,
    *,
    substitutions: Mapping[ox.Variable, Any] | None = None,
    default_graph: list[ox.NamedNode | ox.DefaultGraph] | None = None,
    named_graphs: list[ox.NamedNode] | None = None,
) -> QueryResult:
    """Run a SPARQL query under SPARQL 1.1 dataset semantics: the given dataset, else the query's
    FROM / FROM NAMED, else the union of all graphs as the default graph. A query nested too
    deeply for the parser is refused (QueryError) before it is parsed."""
    info = checked(sparql)
    dataset: dict[str, object] = (
        {"default_graph": default_graph, "named_graphs": named_graphs}
        if default_graph is not None or named_graphs is not None
        else dataset_arguments(info)
    )
    try:
        return store.query(sparql, substitutions=dict(substitutions) if substitutions else None, **dataset)  # type: ignore[arg-type]
    except (SyntaxError, RuntimeError) as error:  # RuntimeError: e.g. an unknown custom function
        raise QueryError(str(error)) from error


@contextmanager
def staged_dist(settings: Settings) -> Iterator[Path]:
    """A fresh folder to build into; swapped in for ``dist_dir`` only if the block succeeds."""
    target = settings.dist_dir.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-build-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_into_place(staging, target)


def swap_into_place(staging: Path, target: Path) -> None:
    """Put the complete folder ``staging`` where ``target`` is; the old one is removed only afterwards."""
    retired = target.with_name(f".{target.name}-old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def writer_lock(settings: Settings, waiting: Callable[[str], None] = lambda message: None) -> Iterator[None]:
    """Hold the one writer lock of ``dist_dir`` (the file ``.{dist}.lock`` beside it) for the block.

    Waits up to ``settings.writer_wait`` seconds for another writer (saying so once through
    ``waiting``), then raises WriterBusy. Once held, no other writer is alive, so the staging
    folders a killed writer left beside ``dist`` are removed. The operating system releases the
    lock when its holder ends, however it ends.
    """
    target = settings.dist_dir.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / f".{target.name}.lock").open("a") as handle:
        deadline = time.monotonic() + settings.writer_wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy(
                        f"{settings.dist_dir}: another kemi-graph command (build, import, sdg import, release or convert) "
                        f"is writing it; waited {settings.writer_wait:g} s (writer_wait, KEMI_GRAPH_WRITER_WAIT); "
                        "nothing was changed, run this command again when that one has finished"
                    ) from None
                if not told:
                    waiting(f"{settings.dist_dir} is being written by another kemi-graph command; waiting up to {settings.writer_wait:g} s for it")
                    told = True
                time.sleep(LOCK_POLL_SECONDS)
        try:
            remove_stale_staging(target)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale_staging(target: Path) -> list[Path]:
    """Remove the staging folders of writers of ``target`` that died; call only while holding its writer lock."""
    stale = [p for kind in STAGING_KINDS for p in target.parent.glob(f".{target.name}-{kind}-*") if p.is_dir()]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale
