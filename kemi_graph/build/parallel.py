"""SHACL and OWL-RL per municipality, spread over the machine's CPUs.

Both run per municipality graph (its city + interpretation graphs with the shared graphs),
never over the union of all municipalities: the shapes constrain one municipality's data, and
OWL 2 RL over disjoint municipality graphs that share only the TBox entails nothing across
them. So the work is independent, and with several municipalities it runs in a pool of forked
processes (``KEMI_GRAPH_BUILD_PROCESSES``, default: the number of CPUs). Municipality graphs
travel as N-Triples; results come back the same way. With one municipality (or one process) it
runs in this process, exactly as before.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from rdflib import Graph, URIRef

from kemi_graph.build.load import ProjectGraphs, new_graph, union_of
from kemi_graph.errors import InputError
from kemi_graph.namespaces import Iris

_SHARED: dict[str, Graph] = {}  # set before the pool forks; read by the workers


def processes(count: int) -> int:
    wanted = os.environ.get("KEMI_GRAPH_BUILD_PROCESSES")
    limit = int(wanted) if wanted and wanted.isdigit() and int(wanted) > 0 else (os.cpu_count() or 1)
    return max(1, min(limit, count))


def add_table_strategies(project: ProjectGraphs, tables: object, iris: Iris) -> None:
    """Append the municipalities imported from tables; a slug already curated in data/ is refused."""
    taken = {s.municipality for s in project.strategies}
    for converted in tables.strategies(iris):  # type: ignore[attr-defined]
        if converted.municipality in taken:
            raise InputError(f"imported municipality {converted.municipality!r} is also a curated municipality in data/")
        taken.add(converted.municipality)
        project.strategies.append(converted)


def _nt(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


def _graph(data: bytes) -> Graph:
    graph = new_graph()
    graph.parse(data=data, format="nt")
    return graph


def _validate_one(data: bytes) -> object:
    check = _SHARED["check"]
    return check(union_of(_SHARED["validation"], _graph(data)))


def _infer_one(job: tuple[bytes, str]) -> bytes:
    from kemi_graph.build.reason import infer

    data, prefix = job
    return _nt(infer(union_of(_SHARED["reasoning"], _graph(data)), prefix, _SHARED["tbox"]))  # type: ignore[arg-type]


def _run(function: object, jobs: list[object]) -> Iterator[object]:
    workers = processes(len(jobs))
    if workers <= 1:
        yield from (function(job) for job in jobs)  # type: ignore[operator]
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(function, jobs, chunksize=1)  # type: ignore[arg-type]


def validate_all(project: ProjectGraphs, check: object = None) -> Iterator[object]:
    """One ValidationResult per municipality, in the order of ``project.strategies``.

    ``check(graph)`` validates one municipality (default: kemi_graph.build.validate.validate).
    """
    if check is None:
        from kemi_graph.build.validate import validate as check
    _SHARED["validation"] = union_of(project.ontology, project.sdg_goals, project.data_sources)
    _SHARED["check"] = check
    jobs = [_nt(union_of(s.city, s.interpretation)) for s in project.strategies]
    yield from _run(_validate_one, jobs)


def infer_all(project: ProjectGraphs, iris: Iris) -> dict[URIRef, Graph]:
    """``{base}/graph/{m}/inferred`` for every municipality: what OWL-RL adds about its own resources.

    The TBox (ontology + SDG goals) is closed by owlrl once, here, before the pool forks; each
    municipality then gets only the OWL 2 RL instance rules (kemi_graph/build/reason.py).
    """
    from kemi_graph.build.reason import TBox

    _SHARED["reasoning"] = union_of(project.ontology, project.sdg_goals)
    _SHARED["tbox"] = TBox(_SHARED["reasoning"])  # type: ignore[assignment]
    jobs = [
        (_nt(union_of(s.city, s.interpretation)), str(iris.municipality(s.municipality)) + "/")
        for s in project.strategies
    ]
    results = list(_run(_infer_one, jobs))
    return {
        iris.municipality_graph(s.municipality, "inferred"): _graph(data)  # type: ignore[arg-type]
        for s, data in zip(project.strategies, results)
    }
