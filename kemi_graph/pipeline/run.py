"""``kemi-graph build``: load → SHACL → OWL-RL → dumps and publication → Oxigraph store, swapped in only on success."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from kemi_graph import __version__, formats
from kemi_graph.pipeline import reuse
from kemi_graph.pipeline.load import load_project, ntriples
from kemi_graph.pipeline.validate import validate
from kemi_graph.config import Settings
from kemi_graph.pipeline.parallel import process_municipalities, table_strategies
from kemi_graph.importers.municipalities import TableImports, saved_tables
from kemi_graph.importers.sdg_kos import saved_imports
from kemi_graph.namespaces import Iris
from kemi_graph.pipeline.incremental import inputs_key
from kemi_graph.publish.assemble import assemble
from kemi_graph.publish.description import description_graph
from kemi_graph.publish.dumps import by_graph, graph_file_stem, serialize
from kemi_graph.store import BUILD_INFO, STORE_FOLDER, staged_dist

Log = Callable[[str], None]


@dataclass
class BuildReport:
    version: str = ""
    graphs: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    reused: int = 0  # municipalities whose per-municipality results came from the previous build


def build(settings: Settings, log: Log = print, tables: TableImports | None = None) -> BuildReport:
    """Build everything into a staging folder; ``settings.dist_dir`` changes only if all steps pass.

    ``tables``: the municipalities imported from tables (default: those saved in ``dist/imports/tables``).
    """
    iris = Iris(settings.base_iri)
    report = BuildReport()

    @contextmanager
    def step(name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        report.seconds[name] = round(time.perf_counter() - started, 3)
        log(f"{name:<23} {report.seconds[name]:8.2f} s")

    with step("load"):
        project = load_project(iris)
        tables = tables if tables is not None else saved_tables(settings)
        graphs = {name: ntriples(graph) for name, graph in project.named_graphs(iris).items()}
        for converted in table_strategies(project, tables, iris):  # one at a time: only its rdflib graphs in memory
            graphs[iris.municipality_graph(converted.municipality, "city")] = ntriples(converted.city)
            graphs[iris.municipality_graph(converted.municipality, "interpretation")] = ntriples(converted.interpretation)
    with step("validate+reason+suggest"):  # per municipality, over the CPUs
        passed = process_municipalities(project, iris, validate, graphs, settings.build_processes, earlier=settings.dist_dir)
        graphs.update(passed.graphs)
    report.reused = passed.reused
    if passed.reused:
        log(f"(reused the previous build's results for {passed.reused} of {len(project.strategies)} municipalities: their inputs were unchanged)")
    del project  # from here on every graph is N-Triples bytes: the rdflib graphs were most of the memory
    imports = saved_imports(settings, iris)  # e.g. the UN SDG KOS of an earlier 'kemi-graph sdg import'
    graphs.update({name: ntriples(graph) for name, graph in imports.graphs.items()})
    with staged_dist(settings) as staging:
        imports.save(staging)
        tables.save(staging)
        reuse.write(staging, passed.results)
        del passed  # its results are the bytes of the derived graphs: assemble lets each go once written
        key = inputs_key(settings, validate)
        names = [str(name) for name in graphs]
        given = {str(name): graphs.pop(name) for name in list(graphs)}
        # The dumps, tables and description, graph by graph (kemi_graph/publish/assemble.py): the
        # pieces are kept, so that an import can replace one municipality's (kemi_graph/pipeline/incremental.py).
        made = assemble(staging, settings, given, key, log=lambda name, seconds: report.seconds.__setitem__(name, round(seconds, 3)))
        for name in ("dumps", "publish"):
            log(f"{name:<23} {report.seconds[name]:8.2f} s")
        report.version = made.version
        with step("store"):
            _write_store(staging / STORE_FOLDER, staging / "dataset.nq", made.description)
        report.graphs = {name: made.graphs.get(name, 0) for name in names}
        report.graphs = dict(sorted({**report.graphs, description_graph(settings.base_iri): len(made.description)}.items()))
        info = {
            "version": report.version,
            "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "kemi_graph": __version__,
            "base_iri": settings.base_iri,
            "graphs": report.graphs,
            "seconds": report.seconds,
        }
        if imports.info:
            info["imports"] = imports.info
        (staging / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    for name, count in report.graphs.items():
        log(f"{count:>8} triples  {name}")
    log(f"built {settings.dist_dir} (dataset version {report.version[:12]})")
    return report


def dataset_nquads(graphs: Mapping[URIRef, bytes]) -> bytes:
    """Every graph (N-Triples) as N-Quads, lines sorted: made once, then stored and dumped."""
    quads: list[bytes] = []
    for name, data in graphs.items():
        graph_term = f" <{name}> .".encode("utf-8")
        for line in data.splitlines():
            line = line.rstrip()
            if line:
                quads.append(line[:-1].rstrip() + graph_term)
    quads.sort()
    return b"\n".join(quads) + b"\n"


LOAD_CHUNK_BYTES = 32 << 20


def _write_store(path: Path, dataset: Path, description: list[ox.Quad]) -> None:
    """The store, loaded from the file ``dataset`` (N-Quads) a chunk at a time, and the description graph.

    One bulk load of the whole file held it all in memory at once (most of a build's peak at
    300 municipalities). A blank node is the same node only within one load, so every line that
    may mention one (it has ``_:``) is loaded in one last load together.
    """
    store = ox.Store(str(path))
    blank: list[bytes] = []
    with dataset.open("rb") as handle:
        while chunk := handle.read(LOAD_CHUNK_BYTES):
            chunk += handle.readline()
            if b"_:" in chunk:
                lines = chunk.splitlines(keepends=True)
                blank += [line for line in lines if b"_:" in line]
                chunk = b"".join(line for line in lines if b"_:" not in line)
            store.bulk_load(chunk, ox.RdfFormat.N_QUADS)
    store.bulk_load(b"".join(blank), ox.RdfFormat.N_QUADS)
    store.extend(description)
    store.flush()
    store.optimize()
    del store


def write_plain_dumps(folder: Path, quads: Sequence[ox.Quad]) -> str:
    """N-Quads and TriG of the whole dataset, Turtle per graph; returns the dataset's version.

    ``quads``: the dataset as :func:`stable_quads` gives it (canonical blank-node labels, sorted),
    so the version, a SHA-256 of ``dataset.nq``, depends on the content only: the same input
    built twice has the same version, and so the same ETags. Written by pyoxigraph from the quads
    (not from a store, which would normalise literals such as "0.500"^^xsd:decimal): about 80
    times faster than rdflib's Turtle writer here.
    """
    nquads = serialize(quads, formats.N_QUADS)
    (folder / "dataset.nq").write_bytes(nquads)
    (folder / "dataset.trig").write_bytes(serialize(quads, formats.TRIG))
    graph_folder = folder / "graphs"
    graph_folder.mkdir()
    for name, graph_quads in by_graph(quads).items():
        (graph_folder / f"{graph_file_stem(name)}.ttl").write_bytes(serialize(graph_quads, formats.TURTLE))
    return hashlib.sha256(nquads).hexdigest()
