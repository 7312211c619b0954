"""What a server process serves, and how it follows a new build.

One :class:`~kemi_graph.web.sparql.WebState` (store, evaluator pool, service description,
version, answer cache) is one *generation* of served data. A process serving the built store
checks ``build-info.json`` every :data:`CHECK_SECONDS`; when the build's version has changed it
prepares the next generation aside and swaps it in. A request keeps the generation it started
with (kemi_graph.web.sparql.state keeps it in Flask's ``g``), so its answer, ETag and cache
entry belong to one build; the old generation's evaluators stop when their queries end.

The store is served from a *snapshot*: hard links to the built store's files in a folder of the
process's own beside ``dist`` (``.dist-serving/<pid>-<n>``). A build swaps ``dist`` and removes
the old one; the links keep the old files for the queries still running on them, and every
evaluator of a generation, forked at any time, opens exactly the same store. Snapshots are
removed once no request can still use them, and those of processes that no longer run at the
next start.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kemi_graph.config import Settings
from kemi_graph.store import BUILD_INFO, STORE_FOLDER, open_read_only

if TYPE_CHECKING:
    from kemi_graph.web.sparql import WebState

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
# A retired snapshot outlives the longest request that may still read it.
_SNAPSHOT_GRACE_SECONDS = 30.0
_ATTEMPTS = 5


@dataclass(frozen=True)
class Snapshot:
    """A built store's files linked into ``folder``, and the build's record."""

    folder: Path
    info: dict[str, object]

    @property
    def version(self) -> str:
        return str(self.info["version"])

    def open(self) -> ox.Store:
        return ox.Store.read_only(str(self.folder / STORE_FOLDER))


def serving_root(settings: Settings) -> Path:
    dist = settings.dist_dir.resolve()
    return dist.with_name(f".{dist.name}-serving")


def build_marker(settings: Settings) -> tuple[int, int] | None:
    """What changes when a build swaps ``dist``: the record's inode and modification time."""
    try:
        stat = (settings.dist_dir / BUILD_INFO).stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


_counter = itertools.count()


def take_snapshot(settings: Settings) -> Snapshot | None:
    """Link the current build's store into a new folder; None when the file system cannot link."""
    dist = settings.dist_dir.resolve()
    root = serving_root(settings)
    root.mkdir(exist_ok=True)
    for _ in range(_ATTEMPTS):
        before = build_marker(settings)
        folder = root / f"{os.getpid()}-{next(_counter)}"
        try:
            shutil.copytree(dist / STORE_FOLDER, folder / STORE_FOLDER, copy_function=os.link)
            info = json.loads((dist / BUILD_INFO).read_text(encoding="utf-8"))
        except FileNotFoundError:  # a build swapped dist meanwhile: take the new one
            shutil.rmtree(folder, ignore_errors=True)
            continue
        except OSError as error:
            shutil.rmtree(folder, ignore_errors=True)
            log.warning("cannot link the store's files (%s): serving %s directly", error, dist / STORE_FOLDER)
            return None
        if build_marker(settings) == before:
            return Snapshot(folder, info)
        shutil.rmtree(folder, ignore_errors=True)
    raise OSError(f"{dist} kept changing while it was being read; is a build running in a loop?")


def remove_stale_snapshots(settings: Settings) -> None:
    """Remove the snapshots of server processes that no longer run (killed ones leave theirs)."""
    root = serving_root(settings)
    if not root.is_dir():
        return
    for folder in root.iterdir():
        pid = folder.name.partition("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Live:
    """The current generation of one process, built by ``make`` and, for the built store,
    replaced when a new build appears (``follow``)."""

    def __init__(self, settings: Settings, make: Callable[[Snapshot | None], "WebState"], follow: bool) -> None:
        self.settings = settings
        self._make = make
        self._follow = follow
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._current: WebState | None = None
        self._marker: tuple[int, int] | None = None
        self._snapshot: Snapshot | None = None
        self._retired: list[tuple[float, Snapshot | None]] = []
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.close_in_evaluators: list[int] = []  # file descriptors an evaluator need not keep

    def current(self) -> WebState:
        """The generation to answer a request with; the first call in a process builds it."""
        if self._owner != os.getpid():
            with self._lock:
                if self._owner != os.getpid():
                    self._start_generation()
        assert self._current is not None
        return self._current

    def start(self, close_in_evaluators: list[int] | None = None) -> None:
        """Prepare this process's first generation and, when following builds, watch for the next."""
        self.close_in_evaluators = close_in_evaluators or []
        state = self.current()
        state.pool.close_in_evaluators = self.close_in_evaluators
        state.pool.start()
        if self._follow and self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="kemi-graph-build-watcher", daemon=True)
            self._watcher.start()

    def close(self) -> None:
        """Stop watching, stop this process's evaluators and remove its snapshots."""
        self._stop.set()
        with self._lock:
            if self._owner != os.getpid():  # nothing here is this process's own
                return
            if self._current is not None:
                self._current.pool.close()
            snapshots = [snapshot for _, snapshot in self._retired] + [self._snapshot]
            for snapshot in snapshots:
                if snapshot is not None:
                    shutil.rmtree(snapshot.folder, ignore_errors=True)
            self._retired.clear()
            self._snapshot = None

    def check(self) -> bool:
        """Swap in a new generation if a new build is there; True if one was swapped in."""
        if not self._follow or build_marker(self.settings) == self._marker:
            return False
        with self._lock:
            marker = build_marker(self.settings)
            if marker == self._marker:
                return False
            old, old_snapshot = self._current, self._snapshot
            snapshot = take_snapshot(self.settings)
            state = self._make(snapshot)
            state.pool.close_in_evaluators = self.close_in_evaluators
            state.pool.start()
            self._current, self._snapshot, self._marker = state, snapshot, marker
            if old is not None:
                old.pool.retire()
                self._retired.append((time.monotonic() + self.settings.query_timeout + _SNAPSHOT_GRACE_SECONDS, old_snapshot))
        log.info("serving build %s", state.dataset_version)
        return True

    # -- internals -------------------------------------------------------------------------

    def _start_generation(self) -> None:
        """(Re)build this process's generation, e.g. after a fork inherited the parent's."""
        self._retired, self._snapshot, self._current = [], None, None
        if self._follow:
            remove_stale_snapshots(self.settings)
            self._marker = build_marker(self.settings)
            self._snapshot = take_snapshot(self.settings)
        self._current = self._make(self._snapshot)
        self._owner = os.getpid()

    def _watch(self) -> None:
        while not self._stop.wait(CHECK_SECONDS):
            try:
                self.check()
            except Exception:  # a half-written or unreadable build: keep serving, try again
                log.exception("could not switch to the new build; still serving the previous one")
            self._remove_due_snapshots()

    def _remove_due_snapshots(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [entry for entry in self._retired if entry[0] <= now]
            self._retired = [entry for entry in self._retired if entry[0] > now]
        for _, snapshot in due:
            if snapshot is not None:
                shutil.rmtree(snapshot.folder, ignore_errors=True)


def open_snapshot_or_dist(settings: Settings, snapshot: Snapshot | None) -> Callable[[], ox.Store]:
    """How a generation's processes open its store: the snapshot, or ``dist`` where linking failed."""
    if snapshot is not None:
        return snapshot.open
    return lambda: open_read_only(settings)
