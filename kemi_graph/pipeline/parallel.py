"""SHACL, OWL-RL and SDG suggestions per municipality, spread over the machine's CPUs.

All three run per municipality graph (its city + interpretation graphs with the shared graphs),
never over the union of all municipalities: the shapes constrain one municipality's data, OWL 2
RL over disjoint municipality graphs that share only the TBox entails nothing across them, and
a suggestion reads one element's text. So the work is independent, and with several
municipalities it runs in a pool of forked processes (``Settings.build_processes``, default: one
per CPU), one pass per municipality that parses its graphs once. Municipality graphs travel as
N-Triples; results come back the same way. With one municipality (or one process) it runs in
this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from kemi_graph.pipeline import reuse
from kemi_graph.pipeline.load import ProjectGraphs, new_graph, ntriples, union_of
from kemi_graph.errors import InputError, ValidationFailed
from kemi_graph.importers.common import ConvertedStrategy
from kemi_graph.namespaces import KG, Iris

_SHARED: dict[str, Any] = {}  # set before the pool forks; read by the workers


def processes(count: int, wanted: int = 0) -> int:
    """Pool size for ``count`` jobs: ``wanted`` (Settings.build_processes; 0: one per CPU), at most one per job."""
    limit = wanted if wanted > 0 else (os.cpu_count() or 1)
    return max(1, min(limit, count))


def table_strategies(project: ProjectGraphs, tables: object, iris: Iris) -> Iterator[ConvertedStrategy]:
    """The municipalities imported from tables, converted one at a time; each is added to
    ``project.strategies`` by name only (its graphs left empty: the caller keeps them as N-Triples,
    so a build never holds every municipality's rdflib graphs at once). A slug already curated in
    data/, or a municipality code another municipality has, is refused."""
    taken = {s.municipality for s in project.strategies}
    codes = {_code(s.city, iris, s.municipality): s.municipality for s in project.strategies}
    for converted in tables.strategies(iris):  # type: ignore[attr-defined]
        if converted.municipality in taken:
            raise InputError(f"imported municipality {converted.municipality!r} is also a curated municipality in data/")
        code = _code(converted.city, iris, converted.municipality)
        if code and code in codes:
            raise InputError(
                f"imported municipality {converted.municipality!r}: code {code!r} is already the code of {codes[code]!r}; "
                "each municipality has its own code"
            )
        taken.add(converted.municipality)
        codes[code] = converted.municipality
        project.strategies.append(ConvertedStrategy(converted.municipality, new_graph(), new_graph()))
        yield converted


def _code(city: Graph, iris: Iris, municipality: str) -> str:
    return str(city.value(iris.municipality(municipality), KG.municipalityCode) or "")


def _graph(data: bytes) -> Graph:
    graph = new_graph()
    graph.parse(data=data, format="nt")
    return graph


@dataclass(frozen=True)
class MunicipalityOutcome:
    """What the per-municipality pass gives back: the SHACL outcome and the two derived graphs (N-Triples)."""

    validation: Any  # kemi_graph.pipeline.validate.ValidationResult (or a stand-in's, in tests)
    suggestions_fail: bool  # the data conforms, the suggested links on it do not
    inferred: bytes
    suggested: bytes


def _municipality_pass(job: tuple[bytes, bytes, str]) -> MunicipalityOutcome:
    """SHACL, OWL 2 RL and SDG suggestions for one municipality, its graphs parsed once.

    The shapes are checked once over the data with its suggestions; only when that fails is the
    data checked alone, to say whether the city's data or the suggestions are at fault.
    """
    from kemi_graph.pipeline.reason import infer
    from kemi_graph.pipeline.suggest import suggest

    city_nt, interpretation_nt, municipality = job
    city, interpretation = _graph(city_nt), _graph(interpretation_nt)
    data = union_of(city, interpretation)
    iris: Iris = _SHARED["iris"]
    suggested = suggest(city, interpretation, iris, municipality, _SHARED["lexicon"])
    check = _SHARED["check"]
    result = check(union_of(_SHARED["validation"], data, suggested))
    if not result.conforms:
        alone = check(union_of(_SHARED["validation"], data))
        if not alone.conforms:
            return MunicipalityOutcome(alone, False, b"", b"")
        return MunicipalityOutcome(result, True, b"", b"")
    inferred = infer(union_of(_SHARED["reasoning"], data), str(iris.municipality(municipality)) + "/", _SHARED["tbox"])
    return MunicipalityOutcome(result, False, ntriples(inferred), ntriples(suggested))


def _run(function: Callable[[Any], Any], jobs: list[Any], wanted: int) -> Iterator[Any]:
    workers = processes(len(jobs), wanted)
    if workers <= 1:
        yield from (function(job) for job in jobs)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(function, jobs, chunksize=1)


@dataclass
class PassOutput:
    """The per-municipality pass over a project: derived graphs, and the results to keep for the next build."""

    graphs: dict[URIRef, bytes]  # {base}/graph/{m}/inferred and /suggested, N-Triples
    results: dict[str, reuse.PassResult]  # by reuse key (kemi_graph/pipeline/reuse.py)
    reused: int  # municipalities whose result came from the earlier build


def process_municipalities(
    project: ProjectGraphs,
    iris: Iris,
    check: object,
    graphs: Mapping[URIRef, bytes],
    wanted_processes: int = 0,
    earlier: Path | None = None,
) -> PassOutput:
    """``{base}/graph/{m}/inferred`` and ``/suggested`` (N-Triples) for every municipality, each checked with SHACL.

    ``check(graph)`` validates one municipality's data (kemi_graph.pipeline.validate.validate);
    ``graphs``: the project's named graphs as N-Triples (project.named_graphs), sent to the workers;
    ``wanted_processes``: the pool size (Settings.build_processes; 0: one per CPU); ``earlier``:
    the dist folder of the previous build, whose results are reused where their key matches.
    The TBox (ontology + SDG goals) is closed by owlrl once, here, and the SDG lexicon read once,
    before the pool forks; each municipality then gets only the OWL 2 RL instance rules
    (kemi_graph/pipeline/reason.py) and the SDG concept match (kemi_graph/pipeline/suggest.py).
    Raises ValidationFailed, naming what does not conform, before anything is written.
    """
    shared_key = reuse.shared_key(iris.base, check)
    jobs, keys, results = [], [], {}
    for strategy in project.strategies:
        city = graphs[iris.municipality_graph(strategy.municipality, "city")]
        interpretation = graphs[iris.municipality_graph(strategy.municipality, "interpretation")]
        key = reuse.municipality_key(shared_key, strategy.municipality, city, interpretation)
        keys.append(key)
        found = reuse.read(earlier, key) if earlier is not None else None
        if found is not None:
            results[key] = found
        else:
            jobs.append((city, interpretation, strategy.municipality))
    reused = len(results)
    if jobs:
        _prepare_pass(project, iris, check)
        to_compute = [key for key in keys if key not in results]
        for key, outcome in zip(to_compute, _run(_municipality_pass, jobs, wanted_processes)):
            if not outcome.validation.conforms:
                what = "the suggested SDG links do not" if outcome.suggestions_fail else "the data does not"
                raise ValidationFailed(f"{what} conform to the SHACL shapes; nothing was published", outcome.validation.report())
            results[key] = reuse.PassResult(outcome.inferred, outcome.suggested)
    derived: dict[URIRef, bytes] = {}
    for strategy, key in zip(project.strategies, keys):
        derived[iris.municipality_graph(strategy.municipality, "inferred")] = results[key].inferred
        derived[iris.municipality_graph(strategy.municipality, "suggested")] = results[key].suggested
    return PassOutput(derived, results, reused)


def _prepare_pass(project: ProjectGraphs, iris: Iris, check: object) -> None:
    """What every worker reads, made once before the pool forks (the workers inherit it)."""
    from kemi_graph.pipeline.finnish import lemma
    from kemi_graph.pipeline.reason import TBox
    from kemi_graph.pipeline.sdg_lexicon import load_lexicon

    lemma("kunta")  # loads simplemma's Finnish dictionary here, once, not in every worker
    _SHARED.update(
        check=check,
        iris=iris,
        lexicon=load_lexicon(),
        validation=union_of(project.ontology, project.sdg_goals, project.data_sources),
        reasoning=union_of(project.ontology, project.sdg_goals),
    )
    _SHARED["tbox"] = TBox(_SHARED["reasoning"])
