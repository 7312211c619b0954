"""Dumps: the whole dataset and each named graph, compressed, with SHA-256 checksums.

Layout (names are paths below the folder written into, and below ``/downloads/`` on the server):

==============================  ===============================================================
``dataset.nq.gz``               every named graph, N-Quads (``.trig.gz``, ``.jsonld.gz`` too)
``graphs/{graph}.nq.gz``        one named graph (``.ttl.gz``, ``.jsonld.gz`` too); ``{graph}`` is
                                the graph IRI after ``/graph/`` with ``/`` → ``-`` (``kemi-city``)
``tables/{table}.csv``          the tidy CSV exports (kemi_graph.exports), uncompressed
``SHA256SUMS``                  ``sha256sum -c`` format, one line a file
``downloads.json``              the manifest: name, media type, size, checksum, triples, graph
==============================  ===============================================================

Deterministic: blank nodes get canonical labels (RDFC-1.0), quads are sorted by graph, subject,
predicate and object, and gzip streams are written with ``mtime=0`` and no file name, so the
same graphs give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kemi_graph import formats
from kemi_graph.config import Settings
from kemi_graph.namespaces import PREFIXES

CHECKSUMS = "SHA256SUMS"
MANIFEST = "downloads.json"
GZIP_LEVEL = 9
GZIP_MEDIA_TYPE = "application/gzip"
CSV_MEDIA_TYPE = "text/csv"

# (format, file extension) of the whole dataset and of each named graph.
DATASET_FORMATS: tuple[tuple[formats.Format, str], ...] = ((formats.N_QUADS, "nq"), (formats.TRIG, "trig"), (formats.JSON_LD, "jsonld"))
GRAPH_FORMATS: tuple[tuple[formats.Format, str], ...] = ((formats.N_QUADS, "nq"), (formats.TURTLE, "ttl"), (formats.JSON_LD, "jsonld"))


@dataclass(frozen=True)
class Download:
    """One file that may be downloaded: what it holds and how to check it.

    ``media_type`` is the type of the content (after decompression); ``compressed`` says it is
    gzipped. ``triples`` is the number of triples (quads, for a dataset format) it parses to;
    ``graph`` the named graph it holds (``None``: every data graph, or a table).
    """

    name: str
    media_type: str
    label: str
    size: int
    sha256: str
    compressed: bool = False
    triples: int | None = None
    graph: str | None = None
    table: str | None = None

    @property
    def transfer_type(self) -> str:
        """The ``Content-Type`` the file is sent with (a gzip file is sent as such, never decoded)."""
        if self.compressed:
            return GZIP_MEDIA_TYPE
        fmt = formats.by_name(self.media_type, formats.RDF)
        if fmt is not None:
            return fmt.content_type
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type

    @property
    def rdf_format(self) -> ox.RdfFormat | None:
        fmt = formats.by_name(self.media_type, formats.RDF)
        return fmt.rdf if fmt is not None else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Download:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


# ---------------------------------------------------------------------------------------
# Stable quads
# ---------------------------------------------------------------------------------------


def quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def stable_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads with canonical blank-node labels (RDFC-1.0), sorted: same graphs, same list."""
    unique = set(quads)
    blank = [q for q in unique if _has_blank_node(q)]
    if blank:
        # RDFC-1.0 labels depend only on the quads that mention a blank node, so only those are
        # canonicalised (at 100 municipalities: 5 quads of 867 000; the whole step 24 s -> 12 s).
        dataset = ox.Dataset(blank)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        unique.difference_update(blank)
        unique.update(dataset)
    return sorted(unique, key=quad_key)


def _has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode) or isinstance(quad.graph_name, ox.BlankNode)


def read_nquads(path: Path, *, exclude: Sequence[str] = ()) -> list[ox.Quad]:
    """The quads of an N-Quads file (gzipped when it ends in ``.gz``), without the graphs in ``exclude``."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    skip = set(exclude)
    return [q for q in ox.parse(data, format=ox.RdfFormat.N_QUADS) if str(getattr(q.graph_name, "value", "")) not in skip]


def by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Quad]]:
    grouped: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        grouped[quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""].append(quad)
    return dict(sorted(grouped.items()))


def graph_file_stem(graph_iri: str) -> str:
    """``{base}/graph/kemi/city`` → ``kemi-city``: the dump file name of a named graph."""
    return graph_iri.split("/graph/", 1)[-1].replace("/", "-")


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def gzip_bytes(data: bytes) -> bytes:
    """gzip without a timestamp or file name: the same data always gives the same bytes."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def serialize(quads: Sequence[ox.Quad], fmt: formats.Format, prefixes: Mapping[str, str] | None = None) -> bytes:
    """``quads`` in ``fmt`` (their triples, for a graph format), in the order given."""
    if fmt.name in formats.PREFIX_FORMATS:
        prefixes = dict(prefixes or PREFIXES)
    else:
        prefixes = None
    data: Sequence[ox.Quad] | list[ox.Triple] = quads if fmt.supports_datasets else [q.triple for q in quads]
    if not quads:
        return b""
    return sorted_prefixes(ox.serialize(data, format=fmt.rdf, prefixes=prefixes))


def sorted_prefixes(text: bytes) -> bytes:
    """The leading ``@prefix`` lines in sorted order (the serialiser's own order is not a promise)."""
    lines = text.split(b"\n")
    count = 0
    while count < len(lines) and lines[count].startswith(b"@prefix "):
        count += 1
    return b"\n".join(sorted(lines[:count]) + lines[count:])


def write_file(path: Path, data: bytes) -> None:
    """Write ``path`` as a new file: a staged copy of dist made of hard links (an import's) must
    never write into a file the published dist shares."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_bytes(data)


def _store(folder: Path, name: str, data: bytes, **fields: Any) -> Download:
    write_file(folder / name, data)
    return Download(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest(), **fields)


def write_dumps(folder: Path, quads: Sequence[ox.Quad], tables: Mapping[str, bytes] | None = None) -> list[Download]:
    """Write the compressed dumps of ``quads`` (already :func:`stable_quads`) and the tables into ``folder``."""
    written: list[Download] = []
    for fmt, ext in DATASET_FORMATS:
        written.append(
            _store(folder, f"dataset.{ext}.gz", gzip_bytes(serialize(quads, fmt)),
                   media_type=fmt.media_type, label=fmt.label, compressed=True, triples=len(quads))
        )
    for graph, graph_quads in by_graph(quads).items():
        if not graph:
            continue  # the default graph is empty in a build; nothing to name a file after
        for fmt, ext in GRAPH_FORMATS:
            written.append(
                _store(folder, f"graphs/{graph_file_stem(graph)}.{ext}.gz", gzip_bytes(serialize(graph_quads, fmt)),
                       media_type=fmt.media_type, label=fmt.label, compressed=True, triples=len(graph_quads), graph=graph)
            )
    for table, data in sorted((tables or {}).items()):
        written.append(_store(folder, f"tables/{table}.csv", data, media_type=CSV_MEDIA_TYPE, label="CSV", table=table))
    return sorted(written, key=lambda d: d.name)


def describe_file(folder: Path, name: str, fmt: formats.Format, triples: int | None, graph: str | None = None) -> Download:
    """A file written by someone else (the build's plain dumps), measured and checksummed."""
    data = (folder / name).read_bytes()
    return Download(name, fmt.media_type, fmt.label, len(data), hashlib.sha256(data).hexdigest(), False, triples, graph)


def table_exports(quads: Sequence[ox.Quad], settings: Settings) -> dict[str, bytes]:
    """The tidy CSV tables of kemi_graph.exports over ``quads`` ({} if that module is absent)."""
    try:
        from kemi_graph.exports import EXPORT_TABLES, export_table
    except ImportError:  # the hook: the tables join the dumps as soon as kemi_graph.exports exists
        return {}
    store = ox.Store()
    store.extend(quads)
    return {name: export_table(store, settings, name, "csv") for name in sorted(EXPORT_TABLES)}


def write_index(folder: Path, downloads: Sequence[Download]) -> None:
    """``SHA256SUMS`` (for ``sha256sum -c``) and the ``downloads.json`` manifest, sorted by name."""
    ordered = sorted(downloads, key=lambda d: d.name)
    write_file(folder / CHECKSUMS, "".join(f"{d.sha256}  {d.name}\n" for d in ordered).encode("utf-8"))
    manifest = json.dumps([d.to_json() for d in ordered], indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_file(folder / MANIFEST, manifest.encode("utf-8"))


def read_index(folder: Path) -> list[Download]:
    """The manifest a build or release wrote ([] when there is none)."""
    path = folder / MANIFEST
    if not path.is_file():
        return []
    return [Download.from_json(entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
