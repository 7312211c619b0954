"""The build's publication, made graph by graph and part by part, so that one municipality can be replaced.

Every file of the publication is a function of per-graph and per-part pieces:

- each named graph's canonical quads (RDFC-1.0 blank-node labels over every quad of the dataset
  that has a blank node, then sorted) give its dumps (``graphs/{stem}.*``) and its *segment* of
  each dataset file: ``dataset.nq`` and ``dataset.trig`` are a header and the graphs' segments in
  graph order; ``dataset.{nq,trig,jsonld}.gz`` are one gzip member per segment (a gzip file may
  hold several members; every reader decompresses them as one stream);
- each *part* (one municipality's graphs, or the shared graphs: kemi_graph.publish.stats) gives
  its statistics for the description and its rows of the CSV tables (the table queries over the
  shared graphs and the part; the shared graphs' own rows counted once).

``cache/publication/`` keeps where each graph's segment lies in each dataset file, the canonical
blank-node quads, and every part's statistics and rows. :func:`assemble` writes a publication from
scratch (a full build: every graph given) or from an earlier one (an import: only the graphs that
changed are given; the others' segments are copied from the earlier files, their parts' statistics
and rows read from the cache). Both make the same bytes from the same graphs: the dataset version
is the SHA-256 of ``dataset.nq`` either way, as before.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kemi_graph import formats
from kemi_graph.config import Settings
from kemi_graph.errors import ValidationFailed
from kemi_graph.publish import description as desc
from kemi_graph.publish.dumps import (
    CSV_MEDIA_TYPE,
    GRAPH_FORMATS,
    Download,
    describe_file,
    graph_file_stem,
    gzip_bytes,
    read_index,
    serialize,
    stable_quads,
    write_file,
    write_index,
)
from kemi_graph.publish.stats import Stats, add_into, part_stats

CACHE = Path("cache") / "publication"
INDEX = "index.json"
BLANK = "blank.nq"
PARTS = "parts"
SHARED_PART = "_shared"
FORMAT = "kemi-graph publication 1"
DESCRIPTION_FILE = "void.ttl"


@dataclass(frozen=True)
class DatasetFile:
    """One file of the whole dataset: header, the graphs' segments (with a separator between two), footer."""

    name: str
    fmt: formats.Format
    compressed: bool
    segment: Callable[[list[ox.Quad]], bytes]
    header: bytes = b""
    separator: bytes = b""
    footer: bytes = b""


def _trig_block(quads: list[ox.Quad]) -> bytes:
    """A graph's TriG without the prefix lines (the file's header has them)."""
    return serialize(quads, formats.TRIG).split(b"\n", len(_TRIG_HEADER_LINES))[-1]


def _jsonld_object(quads: list[ox.Quad]) -> bytes:
    """A graph's JSON-LD object (``{"@id": graph, "@graph": [...]}``), without the enclosing array."""
    return serialize(quads, formats.JSON_LD)[1:-1]


_TRIG_HEADER_LINES = [line for line in serialize([ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), ox.NamedNode("urn:x"))],
                                                  formats.TRIG).split(b"\n") if line.startswith(b"@prefix ")]
_TRIG_HEADER = b"".join(line + b"\n" for line in _TRIG_HEADER_LINES)


def _nquads(quads: list[ox.Quad]) -> bytes:
    return serialize(quads, formats.N_QUADS)


DATASET_FILES = (
    DatasetFile("dataset.nq", formats.N_QUADS, False, _nquads),
    DatasetFile("dataset.trig", formats.TRIG, False, _trig_block, header=_TRIG_HEADER),
    DatasetFile("dataset.nq.gz", formats.N_QUADS, True, _nquads),
    DatasetFile("dataset.trig.gz", formats.TRIG, True, _trig_block, header=_TRIG_HEADER),
    DatasetFile("dataset.jsonld.gz", formats.JSON_LD, True, _jsonld_object, header=b"[", separator=b",", footer=b"]"),
)


def part_of(graph: str, base_iri: str) -> str:
    """The part a graph belongs to: the municipality of ``{base}/graph/{m}/…``, else the shared part."""
    rest = graph[len(f"{base_iri}/graph/"):] if graph.startswith(f"{base_iri}/graph/") else ""
    return rest.split("/", 1)[0] if "/" in rest else SHARED_PART


def graph_order(graph: str) -> str:
    """Graphs in the order of ``dataset.nq``, whose lines are sorted with the graph term first."""
    return f"<{graph}>"


@dataclass
class Assembly:
    """What :func:`assemble` made: the version (SHA-256 of dataset.nq), the counts, the description's quads."""

    version: str
    graphs: dict[str, int]
    description: list[ox.Quad]
    changed: dict[str, list[ox.Quad]] = field(default_factory=dict)  # the graphs written anew, when asked to keep them


class _Output:
    """A dataset file being written: a new file (never written through a hard link), its offsets and digest."""

    def __init__(self, folder: Path, spec: DatasetFile) -> None:
        self.spec = spec
        self.path = folder / spec.name
        self.path.unlink(missing_ok=True)
        self.handle: IO[bytes] = self.path.open("wb")
        self.digest = hashlib.sha256()
        self.size = 0
        self.offsets: dict[str, list[int]] = {}
        self.count = 0
        self._put(self._pack(spec.header))

    def _pack(self, data: bytes) -> bytes:
        return gzip_bytes(data) if self.spec.compressed and data else data

    def _put(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def add(self, graph: str, segment: bytes, packed: bool = False) -> None:
        """Append a graph's segment (``packed``: already as it is in the file, e.g. copied from an earlier one)."""
        if self.count and self.spec.separator:
            self._put(self._pack(self.spec.separator))
        self.count += 1
        data = segment if packed else self._pack(segment)
        self.offsets[graph] = [self.size, len(data)]
        self._put(data)

    def close(self) -> None:
        self._put(self._pack(self.spec.footer))
        self.handle.close()


def assemble(
    staging: Path,
    settings: Settings,
    given: dict[str, bytes],
    key: str,
    earlier: Path | None = None,
    *,
    keep_changed: bool = False,
    validate_all: bool = True,
    log: Callable[[str, float], None] = lambda step, seconds: None,
) -> Assembly:
    """Write the publication of the dataset into ``staging``.

    ``given``: named graphs as N-Triples — every graph (``earlier`` None: a full build), or the
    graphs that replace or join those of the publication in ``earlier`` (a dist folder whose
    ``cache/publication`` was assembled under the same ``key``, :func:`cache_key`); each graph is
    removed from it once written, so that its bytes can be let go. ``staging``
    may hold hard links to ``earlier``'s files: every file written here is a new file.
    ``keep_changed``: return the written graphs' quads (to update a store). ``validate_all``:
    SHACL-check the whole description (else only the nodes that changed: the dataset, catalogue
    and every node not about an unchanged graph).
    """
    started = time.perf_counter()
    base = settings.base_iri
    old = _read_cache(earlier) if earlier is not None else None
    old_graphs: dict[str, str] = old["graphs"] if old else {}
    graphs = sorted(set(old_graphs) | set(given), key=graph_order)
    parts = {graph: part_of(graph, base) for graph in graphs}

    # Blank nodes: canonical labels over every blank-node quad of the dataset (as the whole
    # dataset's RDFC-1.0 would give them); an unchanged graph whose labels move is written anew.
    old_blank = _grouped(_parse(earlier / CACHE / BLANK, ox.RdfFormat.N_QUADS) if old else [])
    raw_blank = [q for graph, data in given.items() if b"_:" in data for q in _parse_graph(graph, data) if _has_blank(q)]
    blank = stable_quads(raw_blank + [q for graph, quads in old_blank.items() if graph not in given for q in quads])
    new_blank = _grouped(blank)
    rewrite = set(given) | {g for g in old_graphs if g not in given and new_blank.get(g, []) != old_blank.get(g, [])}
    dirty_parts = {parts[g] for g in rewrite}

    def final_quads(graph: str) -> list[ox.Quad]:
        if graph in given:
            found = _parse_graph(graph, given[graph])
        else:
            assert earlier is not None
            found = _parse(earlier / "graphs" / f"{graph_file_stem(graph)}.nq.gz", ox.RdfFormat.N_QUADS)
        return sorted([q for q in found if not _has_blank(q)] + new_blank.get(graph, []), key=_quad_key)

    shared_quads = [q for graph in graphs if parts[graph] == SHARED_PART for q in final_quads(graph)]
    tables_store = ox.Store()
    tables_store.extend(shared_quads)
    shared_rows = _part_rows(tables_store)
    cache = staging / CACHE
    (cache / PARTS).mkdir(parents=True, exist_ok=True)
    part_graphs: dict[str, list[str]] = defaultdict(list)
    for graph in graphs:
        part_graphs[parts[graph]].append(graph)
    pending: dict[str, list[ox.Quad]] = defaultdict(list)
    total, done = Stats(), set()  # parts are added up as they are finished, then let go
    downloads: list[Download] = []
    changed: dict[str, list[ox.Quad]] = {}
    empty: set[str] = set()

    outputs = [_Output(staging, spec) for spec in DATASET_FILES]
    old_files = {spec.name: (earlier / spec.name).open("rb") for spec in DATASET_FILES} if old else {}
    try:
        for graph in graphs:
            part = parts[graph]
            if graph in rewrite:
                quads = [q for q in shared_quads if q.graph_name.value == graph] if part == SHARED_PART else final_quads(graph)
                if keep_changed:
                    changed[graph] = quads
                if quads:
                    written, nquads = _write_graph_files(staging, graph, quads)
                    downloads += written
                    for output in outputs:
                        if output.spec.segment is _nquads:  # the graph's own .nq(.gz) is its segment: made once
                            output.add(graph, nquads[output.spec.compressed], packed=True)
                        else:
                            output.add(graph, output.spec.segment(quads))
                else:  # an empty graph has no files (and an emptied one loses its own)
                    empty.add(graph)
                    for stale in (staging / "graphs").glob(f"{graph_file_stem(graph)}.*"):
                        stale.unlink()
            else:
                quads = []
                for output in outputs:
                    offset, length = old["segments"][output.spec.name][graph]  # type: ignore[index]
                    handle = old_files[output.spec.name]
                    handle.seek(offset)
                    output.add(graph, handle.read(length), packed=True)
                if part in dirty_parts and part != SHARED_PART:
                    quads = final_quads(graph)
            if part in dirty_parts and part != SHARED_PART:
                pending[part] += quads
                if graph == part_graphs[part][-1]:
                    add_into(total, _finish_part(cache, part, pending.pop(part), base, tables_store, shared_rows))
                    done.add(part)
            given.pop(graph, None)  # written: a full build need not hold every graph to the end
    finally:
        for output in outputs:
            output.close()
        for handle in old_files.values():
            handle.close()
    if SHARED_PART in dirty_parts or old is None:
        shared = part_stats(shared_quads, base)
        shared.write(cache / PARTS / f"{SHARED_PART}.json")
        _write_rows(cache / PARTS / f"{SHARED_PART}.rows.json", shared_rows)
        add_into(total, shared)
        done.add(SHARED_PART)
    del shared_quads, tables_store
    _write_cache(cache, key, [g for g in graphs if g not in empty], parts, outputs, blank)
    log("dumps", time.perf_counter() - started)

    started = time.perf_counter()
    for part in sorted(set(parts.values()) - done):
        add_into(total, Stats.read(cache / PARTS / f"{part}.json"))
    total.graphs = dict(sorted(total.graphs.items()))
    tables = _compose_tables(staging, cache, sorted(set(parts.values())))
    downloads += [_dataset_download(output, total) for output in outputs]
    downloads += [describe_file(staging, name, formats.TURTLE, total.graphs.get(graph), graph)
                  for graph in sorted(rewrite - empty) for name in [f"graphs/{graph_file_stem(graph)}.ttl"]]
    downloads += tables
    if old:
        written = {d.name for d in downloads}
        downloads += [d for d in read_index(earlier) if d.name not in written and d.graph not in empty]  # type: ignore[arg-type]
    downloads.sort(key=lambda d: d.name)
    write_index(staging, downloads)
    description = desc.describe_stats(total, downloads, settings, desc.Publication(download_base=f"{base}/downloads/"))
    checked = description if validate_all else _changed_nodes(description, set(old_graphs) - rewrite, base)
    result = desc.validate_description(checked)
    if not result.conforms:
        raise ValidationFailed("the dataset description does not conform to ontology/dataset-shapes.ttl; nothing was published", result.report())
    write_file(staging / DESCRIPTION_FILE, serialize(description, formats.TURTLE, desc.DESCRIPTION_PREFIXES))
    log("publish", time.perf_counter() - started)
    return Assembly(outputs[0].digest.hexdigest(), dict(total.graphs), description, changed)


# -- one graph, one part ---------------------------------------------------------------------


def _write_graph_files(folder: Path, graph: str, quads: list[ox.Quad]) -> tuple[list[Download], tuple[bytes, bytes]]:
    """``graphs/{stem}.ttl`` and its compressed dumps: the Downloads of the compressed ones, and
    the graph's N-Quads (plain, gzipped)."""
    stem = graph_file_stem(graph)
    (folder / "graphs").mkdir(exist_ok=True)
    written = []
    nquads = (b"", b"")
    for fmt, ext in GRAPH_FORMATS:
        data = serialize(quads, fmt)
        if fmt == formats.TURTLE:
            write_file(folder / "graphs" / f"{stem}.ttl", data)
        packed = gzip_bytes(data)
        if fmt == formats.N_QUADS:
            nquads = (data, packed)
        name = f"graphs/{stem}.{ext}.gz"
        write_file(folder / name, packed)
        written.append(Download(name, fmt.media_type, fmt.label, len(packed), hashlib.sha256(packed).hexdigest(), True, len(quads), graph))
    return written, nquads


def _finish_part(cache: Path, part: str, quads: list[ox.Quad], base: str, store: ox.Store, shared_rows: dict[str, list[dict[str, str]]]) -> Stats:
    """A part's statistics and table rows, written into the cache."""
    stats = part_stats(quads, base)
    stats.write(cache / PARTS / f"{part}.json")
    store.extend(quads)
    rows = _part_rows(store)
    for graph in stats.graphs:
        store.clear_graph(ox.NamedNode(graph))
    _write_rows(cache / PARTS / f"{part}.rows.json", {name: _without(found, shared_rows[name]) for name, found in rows.items()})
    return stats


def _part_rows(store: ox.Store) -> dict[str, list[dict[str, str]]]:
    from kemi_graph.exports import EXPORT_TABLES

    return {name: table.rows(store, False) for name, table in sorted(EXPORT_TABLES.items())}


def _without(rows: list[dict[str, str]], shared: list[dict[str, str]]) -> list[dict[str, str]]:
    """``rows`` less the shared graphs' own rows (they are counted once, in the shared part)."""
    left = defaultdict(int)
    for row in shared:
        left[json.dumps(row, sort_keys=True)] += 1
    kept = []
    for row in rows:
        key = json.dumps(row, sort_keys=True)
        if left[key]:
            left[key] -= 1
        else:
            kept.append(row)
    return kept


def _write_rows(path: Path, rows: Mapping[str, list[dict[str, str]]]) -> None:
    write_file(path, json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def _compose_tables(staging: Path, cache: Path, parts: Iterable[str]) -> list[Download]:
    from kemi_graph.exports import EXPORT_TABLES, csv_bytes, sorted_rows

    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for part in parts:
        for name, found in json.loads((cache / PARTS / f"{part}.rows.json").read_text(encoding="utf-8")).items():
            rows[name] += found
    written = []
    for name in sorted(EXPORT_TABLES):
        data = csv_bytes(name, sorted_rows(name, rows[name]))
        path = f"tables/{name}.csv"
        (staging / "tables").mkdir(exist_ok=True)
        write_file(staging / path, data)
        written.append(Download(path, CSV_MEDIA_TYPE, "CSV", len(data), hashlib.sha256(data).hexdigest(), table=name))
    return written


# -- the description --------------------------------------------------------------------------


def _dataset_download(output: _Output, total: Stats) -> Download:
    fmt = output.spec.fmt
    return Download(output.spec.name, fmt.media_type, fmt.label, output.size, output.digest.hexdigest(), output.spec.compressed, total.quads)


def _changed_nodes(description: list[ox.Quad], unchanged: set[str], base: str) -> list[ox.Quad]:
    """The description without the nodes about unchanged graphs (their subsets, files and checksums),
    which were checked when they were written: what is left is checked in full."""
    dataset = desc.dataset_iri(base)
    stems = {graph_file_stem(g) for g in unchanged}
    subsets, files = f"{dataset}/graph/", f"{dataset}/distribution/graphs/"

    def about_unchanged(subject: object) -> bool:
        value = getattr(subject, "value", "")
        if value.startswith(subsets):
            return value[len(subsets):] in stems
        return value.startswith(files) and value[len(files):].split(".", 1)[0] in stems

    return [q for q in description if not about_unchanged(q.subject)]


# -- the cache ---------------------------------------------------------------------------------


def cache_key(settings: Settings, inputs: str) -> str:
    """What the cached pieces depend on besides the graphs: the format, the settings the files
    show (base IRI, contact) and ``inputs`` (the build's shared inputs, kemi_graph.pipeline.reuse)."""
    digest = hashlib.sha256()
    for part in (FORMAT, settings.base_iri, settings.contact_email, inputs):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def cached_key(dist: Path) -> str | None:
    """The key the publication in ``dist`` was assembled under (None: none to build on)."""
    try:
        return str(json.loads((dist / CACHE / INDEX).read_text(encoding="utf-8"))["key"])
    except (OSError, ValueError, KeyError):
        return None


def _read_cache(dist: Path) -> dict[str, Any]:
    return json.loads((dist / CACHE / INDEX).read_text(encoding="utf-8"))


def _write_cache(cache: Path, key: str, graphs: list[str], parts: Mapping[str, str], outputs: list[_Output], blank: list[ox.Quad]) -> None:
    info = {"graphs": {g: parts[g] for g in graphs}, "segments": {o.spec.name: o.offsets for o in outputs}, "key": key}
    write_file(cache / INDEX, json.dumps(info, sort_keys=True).encode("utf-8"))
    write_file(cache / BLANK, serialize(blank, formats.N_QUADS))


# -- quads -------------------------------------------------------------------------------------


def _parse(path: Path, fmt: ox.RdfFormat) -> list[ox.Quad]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return list(ox.parse(data, format=fmt)) if data else []


def _parse_graph(graph: str, data: bytes) -> list[ox.Quad]:
    name = ox.NamedNode(graph)
    return [ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)] if data else []


def _grouped(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Quad]]:
    grouped: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        grouped[quad.graph_name.value].append(quad)
    return {graph: sorted(found, key=_quad_key) for graph, found in grouped.items()}


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def linked_copy(source: Path, target: Path) -> None:
    """``target``: a copy of the folder ``source`` made of hard links, except the store's files that
    RocksDB may change in place (everything but its immutable ``.sst``/``.blob`` files is copied).
    A file in the copy must then be replaced, never written into (kemi_graph.publish.dumps.write_file)."""

    def link_or_copy(src: str, dst: str) -> None:
        if Path(src).parent.name == "store" and not src.endswith((".sst", ".blob")):
            shutil.copy2(src, dst)
        else:
            os.link(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy, dirs_exist_ok=True)
