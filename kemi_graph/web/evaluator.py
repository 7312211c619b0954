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
Every answer is written into a sink that refuses more than ``max_bytes`` (``too_large``), so a
small query cannot make a huge answer in any format.

Capacity is bounded (admission control): at most ``size`` queries run at once, at most
``queue`` more wait for one of them to finish, and nobody waits past the request's deadline
(:class:`Busy`, answered 503 with Retry-After). Each evaluator may allocate ``memory`` bytes
beyond what it held when it became ready (``RLIMIT_AS``); one that needs more dies and is
replaced (:class:`EvaluatorFailed` says so).

A pool belongs to one process: after a fork (gunicorn forks its workers from the master)
the child's pool forgets the evaluators it inherited and starts its own.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import pickle
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kemi_graph import formats
from kemi_graph.errors import QueryError
from kemi_graph.namespaces import PREFIXES
from kemi_graph.query_text import checked, dataset_arguments

_FORK = multiprocessing.get_context("fork")
_PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Job:
    """One query to run. ``default_graph``/``named_graphs`` are IRIs; both ``None`` means the
    default graph is the union of all graphs and every named graph is available."""

    query: str
    format_name: str | None
    max_rows: int
    max_bytes: int = 32_000_000
    base_iri: str | None = None
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: tuple[tuple[str, ox.NamedNode | ox.Literal], ...] = ()  # a named query's bound parameters


@dataclass(frozen=True)
class Outcome:
    """``status`` is ``ok``, ``syntax`` (the parser's message in ``message``), ``unsupported``
    (the query asks for something the engine lacks, e.g. an unknown custom function),
    ``too_large`` (the answer passed ``max_bytes``), ``memory`` (the evaluator's memory cap was
    reached) or ``error``."""

    status: str
    kind: str = ""  # "select" (SELECT/ASK) or "graph" (CONSTRUCT/DESCRIBE)
    format_name: str = ""
    body: bytes = b""
    truncated: bool = False
    message: str = ""


class QueryTimeout(Exception):
    """The evaluator did not answer in time and was stopped."""


class Busy(Exception):
    """No evaluator became free before the deadline (``queue_full``: none could even wait)."""

    def __init__(self, queue_full: bool) -> None:
        super().__init__("queue full" if queue_full else "no evaluator free in time")
        self.queue_full = queue_full


class EvaluatorFailed(Exception):
    """The evaluator process died while running a query; ``signal`` is what killed it, if known."""

    def __init__(self, message: str, signal_number: int | None = None) -> None:
        super().__init__(message)
        self.signal = signal_number


# ---------------------------------------------------------------------------------------------
# In the evaluator process


def execute(store: ox.Store, job: Job) -> Outcome:
    """Run ``job`` on ``store`` and serialise its result; never raises for a bad query."""
    try:
        info = checked(job.query)
    except QueryError as error:
        return Outcome("syntax", message=str(error))
    dataset = dataset_arguments(info, list(job.default_graph or ()), list(job.named_graphs or ()))
    try:
        result = store.query(
            job.query,
            base_iri=job.base_iri,
            substitutions={ox.Variable(name): term for name, term in job.substitutions} or None,
            **dataset,  # type: ignore[arg-type]
        )
        if isinstance(result, ox.QueryBoolean):
            fmt = _format_for(job.format_name, formats.QUERY_RESULTS)
            return Outcome("ok", "select", fmt.name, result.serialize(format=fmt.results))
        if isinstance(result, ox.QuerySolutions):
            fmt = _format_for(job.format_name, formats.QUERY_RESULTS)
            body, truncated = _serialize_solutions(result, fmt, job.max_rows, job.max_bytes)
            return Outcome("ok", "select", fmt.name, body, truncated)
        fmt = _format_for(job.format_name, formats.RDF)
        triples = list(itertools.islice(result, job.max_rows + 1))
        truncated = len(triples) > job.max_rows
        prefixes = PREFIXES if fmt.name in formats.PREFIX_FORMATS else None
        sink = _CappedSink(job.max_bytes)
        ox.serialize(triples[: job.max_rows], sink, format=fmt.rdf, prefixes=prefixes)
        return Outcome("ok", "graph", fmt.name, sink.getvalue(), truncated)
    except SyntaxError as error:
        return Outcome("syntax", message=str(error))
    except _TooLarge:
        return Outcome("too_large", message=f"the answer is larger than {job.max_bytes} bytes")
    except MemoryError:
        return Outcome("memory", message="the evaluation needed more memory than an evaluator may use")
    except RuntimeError as error:  # pyoxigraph's class for e.g. "The custom function <...> is not supported"
        return Outcome("unsupported", message=str(error))
    except (OSError, ValueError) as error:  # evaluation errors, e.g. a SERVICE call that failed
        return Outcome("error", message=str(error))


def _format_for(name: str | None, candidates: tuple[formats.Format, ...]) -> formats.Format:
    """The requested format if it fits the result, else the first candidate (the scan guessed wrong)."""
    return (formats.by_name(name, candidates) if name else None) or candidates[0]


class _RowsCut(Exception):
    pass


class _TooLarge(Exception):
    pass


class _CappedSink(io.RawIOBase):
    """An in-memory output that refuses to grow past ``limit`` bytes (raises :class:`_TooLarge`)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        if self.size > self.limit:
            raise _TooLarge()
        self.chunks.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


class _TsvCutter(io.RawIOBase):
    """A sink that keeps a TSV stream up to ``max_rows`` solutions (plus the header line) and
    ``max_bytes`` bytes."""

    def __init__(self, max_rows: int, max_bytes: int) -> None:
        super().__init__()
        self.lines_left = max_rows + 1
        self.bytes_left = max_bytes
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
        self.bytes_left -= end
        if self.bytes_left < 0:
            raise _TooLarge()
        self.chunks.append(data[:end])
        if self.lines_left == 0 and end < len(data):
            self.truncated = True
            raise _RowsCut()
        return len(data)


def _serialize_solutions(
    solutions: ox.QuerySolutions, fmt: formats.Format, max_rows: int, max_bytes: int
) -> tuple[bytes, bool]:
    cutter = _TsvCutter(max_rows, max_bytes)
    try:
        solutions.serialize(cutter, format=ox.QueryResultsFormat.TSV)
    except _RowsCut:
        pass
    tsv = b"".join(cutter.chunks)
    if fmt.results == ox.QueryResultsFormat.TSV:
        return tsv, cutter.truncated
    reparsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    sink = _CappedSink(max_bytes)
    reparsed.serialize(sink, format=fmt.results)
    return sink.getvalue(), cutter.truncated


def _evaluator_main(
    conn: Connection,
    inherited: list[Connection],
    fds: list[int],
    open_store: Callable[[], ox.Store],
    parent: int,
    memory: int,
) -> None:
    for other in inherited:  # the web process's ends of this and earlier evaluators' pipes
        other.close()
    for fd in fds:  # e.g. the listening sockets: an evaluator never accepts connections
        try:
            os.close(fd)
        except OSError:
            pass
    # The web worker's signal handlers came with the fork; an evaluator just dies.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, signal.SIG_DFL)
    store = open_store()
    _cap_memory(memory)
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


def _cap_memory(allowance: int) -> None:
    """Limit this process's address space to what it maps now plus ``allowance`` bytes.

    The cap is on virtual memory because that is what the kernel can refuse at allocation
    time; the store's files mapped at opening are part of the base, not of the allowance.
    """
    with open("/proc/self/statm", encoding="ascii") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + allowance
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


# ---------------------------------------------------------------------------------------------
# In the web process


@dataclass
class _Evaluator:
    process: multiprocessing.process.BaseProcess
    conn: Connection


class QueryPool:
    """The evaluator processes of one web process, with bounded admission.

    ``size`` evaluators run queries (and are kept warm); ``queue`` more queries may wait for
    one of them, each until its deadline. ``memory`` is each evaluator's allowance in bytes.
    """

    def __init__(
        self,
        open_store: Callable[[], ox.Store],
        timeout: float,
        size: int = 1,
        queue: int = 0,
        memory: int = 1 << 40,
    ) -> None:
        self._open_store = open_store
        self.timeout = timeout
        self.size = size
        self.queue = queue
        self.memory = memory
        self._cond = threading.Condition()
        self._owner = os.getpid()
        self._idle: list[_Evaluator] = []
        self._all: list[_Evaluator] = []
        self._running = 0
        self._waiting = 0
        self._retired = False
        self.close_in_evaluators: list[int] = []  # file descriptors an evaluator need not keep

    def start(self) -> None:
        """Fork the warm evaluators now rather than on the first query."""
        with self._cond:
            self._adopt()
            while len(self._all) < self.size:
                self._idle.append(self._spawn())

    def run(self, job: Job, deadline: float | None = None) -> Outcome:
        """Evaluate ``job``; waiting for an evaluator and evaluating together end by ``deadline``
        (``time.monotonic()``; by default ``timeout`` from now)."""
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        evaluator = self._acquire(deadline)
        try:
            evaluator.conn.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            if not evaluator.conn.poll(max(deadline - time.monotonic(), 0.0)):
                self._discard(evaluator)
                evaluator = None
                raise QueryTimeout(self.timeout)
            data = evaluator.conn.recv_bytes()
        except (EOFError, OSError) as error:
            assert evaluator is not None
            signal_number = self._discard(evaluator)
            evaluator = None
            raise EvaluatorFailed(str(error) or type(error).__name__, signal_number) from error
        finally:
            self._release(evaluator)
        return pickle.loads(data)

    def retire(self) -> None:
        """Stop the idle evaluators now and each busy one when its query ends (a newer build is served)."""
        with self._cond:
            self._retired = True
            for evaluator in self._idle:
                self._all.remove(evaluator)
                self._kill(evaluator)
            self._idle.clear()

    def close(self) -> None:
        with self._cond:
            if os.getpid() != self._owner:
                self._adopt()
                return
            self._retired = True
            for evaluator in self._all:
                self._kill(evaluator)
            self._all.clear()
            self._idle.clear()

    # -- internals -------------------------------------------------------------------------

    def _acquire(self, deadline: float) -> _Evaluator:
        with self._cond:
            self._adopt()
            if self._running >= self.size:
                if self._waiting >= self.queue:
                    raise Busy(queue_full=True)
                self._waiting += 1
                try:
                    while self._running >= self.size:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise Busy(queue_full=False)
                        self._cond.wait(left)
                finally:
                    self._waiting -= 1
            self._running += 1
            try:
                return self._idle.pop() if self._idle else self._spawn()
            except BaseException:
                self._running -= 1
                raise

    def _release(self, evaluator: _Evaluator | None) -> None:
        with self._cond:
            self._running -= 1
            if evaluator is not None:
                if self._retired:
                    self._all.remove(evaluator)
                    self._kill(evaluator)
                else:
                    self._idle.append(evaluator)
            elif not self._retired and len(self._all) < self.size:
                self._idle.append(self._spawn())  # warm again before the next query needs it
            self._cond.notify()

    def _discard(self, evaluator: _Evaluator) -> int | None:
        """Stop ``evaluator`` (timed out or dead); the signal that ended it, if one did."""
        with self._cond:
            if evaluator in self._all:
                self._all.remove(evaluator)
        self._kill(evaluator)
        code = evaluator.process.exitcode
        return -code if code is not None and code < 0 else None

    def _adopt(self) -> None:
        """After a fork, forget the parent's evaluators (closing only our copies of their pipes)."""
        if os.getpid() == self._owner:
            return
        for evaluator in self._all:
            evaluator.conn.close()
        self._all, self._idle, self._owner = [], [], os.getpid()
        self._running = self._waiting = 0

    def _spawn(self) -> _Evaluator:
        ours, theirs = _FORK.Pipe()
        inherited = [e.conn for e in self._all] + [ours]
        process = _FORK.Process(
            target=_evaluator_main,
            args=(theirs, inherited, list(self.close_in_evaluators), self._open_store, os.getpid(), self.memory),
            name="kemi-graph-evaluator",
            daemon=True,
        )
        process.start()
        theirs.close()
        evaluator = _Evaluator(process, ours)
        self._all.append(evaluator)
        return evaluator

    @staticmethod
    def _kill(evaluator: _Evaluator) -> None:
        evaluator.conn.close()
        if evaluator.process.is_alive():
            evaluator.process.kill()
        evaluator.process.join(5)
