"""Query evaluation in pre-forked worker processes, so that a timeout really stops the work.

pyoxigraph cannot cancel a running query, so the web process never runs one itself: it sends
a :class:`Job` to an evaluator process over a pipe and waits at most ``timeout`` seconds for the
serialised answer. An evaluator that overruns is killed (SIGKILL) and replaced at once, so the
store stays free and the next request finds a warm evaluator. Evaluators are forked from the
web process: an in-memory store (``serve --data``) is inherited by the fork, an on-disk store
is opened read-only by each evaluator through ``open_store``.

Evaluators serialise in the requested format and cut results at ``max_rows``: SELECT results
are streamed into TSV (one solution per line) by pyoxigraph and cut at a line boundary, then
re-parsed and written in the requested format; CONSTRUCT/DESCRIBE triples are cut by count.

A pool belongs to one process: after a fork (gunicorn forks its workers from the master)
the child's pool forgets the evaluators it inherited and starts its own.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kemi_graph import formats
from kemi_graph.namespaces import PREFIXES

_FORK = multiprocessing.get_context("fork")
_PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Job:
    """One query to run. ``default_graph``/``named_graphs`` are IRIs; both ``None`` means the
    default graph is the union of all graphs and every named graph is available."""

    query: str
    format_name: str | None
    max_rows: int
    base_iri: str | None = None
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: tuple[tuple[str, ox.NamedNode | ox.Literal], ...] = ()  # a named query's bound parameters


@dataclass(frozen=True)
class Outcome:
    """``status`` is ``ok``, ``syntax`` (the parser's message in ``message``), ``unsupported``
    (the query asks for something the engine lacks, e.g. an unknown custom function) or ``error``."""

    status: str
    kind: str = ""  # "select" (SELECT/ASK) or "graph" (CONSTRUCT/DESCRIBE)
    format_name: str = ""
    body: bytes = b""
    truncated: bool = False
    message: str = ""


class QueryTimeout(Exception):
    """The evaluator did not answer in time and was stopped."""


class EvaluatorFailed(Exception):
    """The evaluator process died while running a query."""


# ---------------------------------------------------------------------------------------------
# In the evaluator process


def execute(store: ox.Store, job: Job) -> Outcome:
    """Run ``job`` on ``store`` and serialise its result; never raises for a bad query."""
    dataset_given = job.default_graph is not None or job.named_graphs is not None
    try:
        result = store.query(
            job.query,
            base_iri=job.base_iri,
            use_default_graph_as_union=not dataset_given,
            default_graph=[ox.NamedNode(iri) for iri in job.default_graph or ()] if dataset_given else None,
            named_graphs=[ox.NamedNode(iri) for iri in job.named_graphs or ()] if dataset_given else None,
            substitutions={ox.Variable(name): term for name, term in job.substitutions} or None,
        )
        if isinstance(result, ox.QueryBoolean):
            fmt = _format_for(job.format_name, formats.QUERY_RESULTS)
            return Outcome("ok", "select", fmt.name, result.serialize(format=fmt.results))
        if isinstance(result, ox.QuerySolutions):
            fmt = _format_for(job.format_name, formats.QUERY_RESULTS)
            body, truncated = _serialize_solutions(result, fmt, job.max_rows)
            return Outcome("ok", "select", fmt.name, body, truncated)
        fmt = _format_for(job.format_name, formats.RDF)
        triples = list(itertools.islice(result, job.max_rows + 1))
        truncated = len(triples) > job.max_rows
        prefixes = PREFIXES if fmt.name in formats.PREFIX_FORMATS else None
        body = ox.serialize(triples[: job.max_rows], format=fmt.rdf, prefixes=prefixes)
        return Outcome("ok", "graph", fmt.name, body, truncated)
    except SyntaxError as error:
        return Outcome("syntax", message=str(error))
    except RuntimeError as error:  # pyoxigraph's class for e.g. "The custom function <...> is not supported"
        return Outcome("unsupported", message=str(error))
    except (OSError, ValueError) as error:  # evaluation errors, e.g. a SERVICE call that failed
        return Outcome("error", message=str(error))


def _format_for(name: str | None, candidates: tuple[formats.Format, ...]) -> formats.Format:
    """The requested format if it fits the result, else the first candidate (the scan guessed wrong)."""
    return (formats.by_name(name, candidates) if name else None) or candidates[0]


class _RowsCut(Exception):
    pass


class _TsvCutter(io.RawIOBase):
    """A sink that keeps a TSV stream up to ``max_rows`` solutions (plus the header line)."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self.lines_left = max_rows + 1
        self.chunks: list[bytes] = []
        self.truncated = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.truncated:
            raise _RowsCut()
        data = bytes(data)
        if self.lines_left == 0:
            if data:
                self.truncated = True
                raise _RowsCut()
            return 0
        end = 0
        while self.lines_left and end < len(data):
            newline = data.find(b"\n", end)
            if newline < 0:
                end = len(data)
                break
            end = newline + 1
            self.lines_left -= 1
        self.chunks.append(data[:end])
        if self.lines_left == 0 and end < len(data):
            self.truncated = True
            raise _RowsCut()
        return len(data)


def _serialize_solutions(solutions: ox.QuerySolutions, fmt: formats.Format, max_rows: int) -> tuple[bytes, bool]:
    cutter = _TsvCutter(max_rows)
    try:
        solutions.serialize(cutter, format=ox.QueryResultsFormat.TSV)
    except _RowsCut:
        pass
    tsv = b"".join(cutter.chunks)
    if fmt.results == ox.QueryResultsFormat.TSV:
        return tsv, cutter.truncated
    reparsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return reparsed.serialize(format=fmt.results), cutter.truncated


def _evaluator_main(
    conn: Connection, inherited: list[Connection], fds: list[int], open_store: Callable[[], ox.Store], parent: int
) -> None:
    for other in inherited:  # the web process's ends of this and earlier evaluators' pipes
        other.close()
    for fd in fds:  # e.g. gunicorn's listening sockets: an evaluator never accepts connections
        try:
            os.close(fd)
        except OSError:
            pass
    # gunicorn's worker signal handlers came with the fork; an evaluator just dies.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, signal.SIG_DFL)
    store = open_store()
    while True:
        if not conn.poll(_PARENT_CHECK_SECONDS):
            if os.getppid() != parent:
                os._exit(0)
            continue
        try:
            job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)
        conn.send_bytes(pickle.dumps(execute(store, job), pickle.HIGHEST_PROTOCOL))


# ---------------------------------------------------------------------------------------------
# In the web process


@dataclass
class _Evaluator:
    process: multiprocessing.process.BaseProcess
    conn: Connection


class QueryPool:
    """Evaluator processes of one web process; ``keep`` of them are kept warm."""

    def __init__(self, open_store: Callable[[], ox.Store], timeout: float, keep: int = 1) -> None:
        self._open_store = open_store
        self.timeout = timeout
        self.keep = keep
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._idle: list[_Evaluator] = []
        self._all: list[_Evaluator] = []
        self.close_in_evaluators: list[int] = []  # file descriptors an evaluator need not keep

    def start(self) -> None:
        """Fork the warm evaluators now rather than on the first query."""
        with self._lock:
            self._adopt()
            while len(self._idle) < self.keep:
                self._idle.append(self._spawn())

    def run(self, job: Job) -> Outcome:
        evaluator = self._checkout()
        try:
            evaluator.conn.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            if not evaluator.conn.poll(self.timeout):
                self._replace(evaluator)
                raise QueryTimeout(self.timeout)
            data = evaluator.conn.recv_bytes()
        except (EOFError, OSError) as error:
            self._replace(evaluator)
            raise EvaluatorFailed(str(error) or type(error).__name__) from error
        self._checkin(evaluator)
        return pickle.loads(data)

    def close(self) -> None:
        with self._lock:
            if os.getpid() != self._owner:
                self._adopt()
                return
            for evaluator in self._all:
                self._kill(evaluator)
            self._all.clear()
            self._idle.clear()

    # -- internals -------------------------------------------------------------------------

    def _adopt(self) -> None:
        """After a fork, forget the parent's evaluators (closing only our copies of their pipes)."""
        if os.getpid() == self._owner:
            return
        for evaluator in self._all:
            evaluator.conn.close()
        self._all, self._idle, self._owner = [], [], os.getpid()

    def _spawn(self) -> _Evaluator:
        ours, theirs = _FORK.Pipe()
        inherited = [e.conn for e in self._all] + [ours]
        process = _FORK.Process(
            target=_evaluator_main,
            args=(theirs, inherited, list(self.close_in_evaluators), self._open_store, os.getpid()),
            name="kemi-graph-evaluator",
            daemon=True,
        )
        process.start()
        theirs.close()
        evaluator = _Evaluator(process, ours)
        self._all.append(evaluator)
        return evaluator

    def _checkout(self) -> _Evaluator:
        with self._lock:
            self._adopt()
            return self._idle.pop() if self._idle else self._spawn()

    def _checkin(self, evaluator: _Evaluator) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(evaluator)
            else:  # a burst of concurrent requests forked extras; let them go
                self._all.remove(evaluator)
                self._kill(evaluator)

    def _replace(self, evaluator: _Evaluator) -> None:
        with self._lock:
            if evaluator in self._all:
                self._all.remove(evaluator)
            self._kill(evaluator)
            if len(self._idle) < self.keep:
                self._idle.append(self._spawn())

    @staticmethod
    def _kill(evaluator: _Evaluator) -> None:
        evaluator.conn.close()
        if evaluator.process.is_alive():
            evaluator.process.kill()
        evaluator.process.join(5)
