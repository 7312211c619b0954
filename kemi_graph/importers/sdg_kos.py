"""``kemi-graph sdg import``: the full UN SDG KOS into its own named graph of the built store.

Atomic in two ways:

1. Everything is parsed first (a file, every RDF file of a folder such as the UN dump, or an
   http(s) URL); a parse error names the file at fault and nothing is touched.
2. The built ``dist`` folder is copied, the graph ``{base}/graph/un-sdg-kos`` is replaced in
   the copy's store, the dumps and ``build-info.json`` are rewritten, and the copy is swapped
   in for ``dist`` only when all of that has succeeded (the same swap as a build).

The KOS is also saved as ``dist/imports/un-sdg-kos.nt`` with a manifest
(``dist/imports/un-sdg-kos.json``: source, files, triples, sha256). Every later
``kemi-graph build`` re-loads what it finds in ``dist/imports/`` into the same graph and
carries the files forward, so ``build``, ``sdg import``, ``build`` still has the KOS, and the
build's dumps and build-info include it. Without an import, the 17 goals of
``data/sdg/sdg-goals.ttl`` are all there is.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kemi_graph.config import Settings
from kemi_graph.errors import InputError, StoreNotBuilt
from kemi_graph.namespaces import SDGO, Iris

IMPORTS_FOLDER = "imports"
KOS_NAME = "un-sdg-kos"
RDF_SUFFIXES = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}
MEDIA_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/n3": ox.RdfFormat.N3,
}
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def kos_graph_iri(iris: Iris) -> URIRef:
    return URIRef(f"{iris.base}/graph/{KOS_NAME}")


@dataclass
class ParsedKos:
    source: str
    files: list[str]
    triples: list[ox.Triple]
    counts: dict[str, int] = field(default_factory=dict)

    def ntriples(self) -> bytes:
        return ox.serialize(sorted(self.triples, key=str), format=ox.RdfFormat.N_TRIPLES)


# --- reading -------------------------------------------------------------------------------


def read_kos(source: str | Path, settings: Settings | None = None) -> ParsedKos:
    """Parse a file, a folder of RDF files or an http(s) URL; errors name the file or URL at fault.

    A download is bounded by ``settings.sdg_max_bytes`` and ``settings.sdg_timeout`` (seconds in
    all); RDF/XML that declares XML entities is refused (they can expand without bound).
    """
    text = str(source)
    if urlsplit(text).scheme in ("http", "https"):
        documents = [_fetch(text, settings or Settings())]
    else:
        path = Path(text)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in RDF_SUFFIXES)
            if not files:
                raise InputError(f"{path}: no RDF files ({', '.join(sorted(RDF_SUFFIXES))}) in this folder")
        elif path.is_file():
            files = [path]
        else:
            raise InputError(f"{path}: no such file or folder")
        documents = []
        for file in files:
            rdf_format = RDF_SUFFIXES.get(file.suffix.lower())
            if rdf_format is None:
                raise InputError(f"{file}: unknown RDF file type {file.suffix!r}; use one of {', '.join(sorted(RDF_SUFFIXES))}")
            try:
                documents.append((str(file), file.read_bytes(), rdf_format, file.resolve().as_uri()))
            except OSError as error:
                raise InputError(f"{file}: cannot read: {error.strerror}") from error
    triples: set[ox.Triple] = set()
    for name, data, rdf_format, base in documents:
        if rdf_format == ox.RdfFormat.RDF_XML and ENTITY_DECLARATION.search(data):
            raise InputError(f"{name}: declares XML entities (<!ENTITY ...>), which are refused: they can expand without bound; expand them before importing")
        try:
            triples.update(ox.parse(data, format=rdf_format, base_iri=base))
        except (SyntaxError, ValueError) as error:
            raise InputError(f"{name}: not valid {rdf_format.name}: {error}") from error
    parsed = ParsedKos(text, [name for name, *_ in documents], list(triples))
    parsed.counts = _count_kinds(parsed.triples)
    if not any(parsed.counts.values()):
        raise InputError(f"{text}: holds no sdgo:Goal, sdgo:Target or sdgo:Indicator: not the UN SDG KOS")
    return parsed


def _fetch(url: str, settings: Settings) -> tuple[str, bytes, ox.RdfFormat, str]:
    """Download ``url``: at most ``sdg_max_bytes``, within ``sdg_timeout`` seconds in all, through http(s) redirects only."""
    request = urllib.request.Request(url, headers={"Accept": "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8"})
    deadline = time.monotonic() + settings.sdg_timeout
    limit = settings.sdg_max_bytes
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    try:
        # The socket timeout bounds one wait; the deadline, checked after every read, the whole download.
        with opener.open(request, timeout=settings.sdg_timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise InputError(f"{url}: the download is {declared} bytes, more than sdg_max_bytes ({limit}, KEMI_GRAPH_SDG_MAX_BYTES)")
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > limit:
                    raise InputError(f"{url}: the download is more than sdg_max_bytes ({limit} bytes, KEMI_GRAPH_SDG_MAX_BYTES)")
                if time.monotonic() > deadline:
                    raise InputError(f"{url}: the download took more than sdg_timeout ({settings.sdg_timeout:g} s, KEMI_GRAPH_SDG_TIMEOUT)")
                chunks.append(chunk)
            data = b"".join(chunks)
            media_type = (response.headers.get_content_type() or "").lower()
    except (OSError, http.client.HTTPException) as error:
        raise InputError(f"{url}: cannot download: {error}") from error
    rdf_format = MEDIA_TYPES.get(media_type) or RDF_SUFFIXES.get(Path(urlsplit(url).path).suffix.lower()) or ox.RdfFormat.TURTLE
    return url, data, rdf_format, url


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another http(s) URL (urllib's own handler also follows ftp)."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise InputError(f"{req.full_url}: redirects to {newurl}, which is not an http(s) URL; refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _count_kinds(triples: Iterable[ox.Triple]) -> dict[str, int]:
    kinds = {ox.NamedNode(str(SDGO[name])): name for name in ("Goal", "Target", "Indicator")}
    counts = {name: 0 for name in kinds.values()}
    for triple in triples:
        if triple.predicate == _RDF_TYPE and triple.object in kinds:
            counts[kinds[triple.object]] += 1
    return counts


# --- applying to the built dist -------------------------------------------------------------


def import_kos(settings: Settings, source: str | Path, log: Any = print) -> dict[str, Any]:
    """Parse ``source``, then replace the KOS graph of the built store; returns the manifest."""
    from kemi_graph.store import BUILD_INFO

    parsed = read_kos(source, settings)  # nothing is touched before this has succeeded
    dist = settings.dist_dir.resolve()
    if not (dist / BUILD_INFO).is_file():
        raise StoreNotBuilt(f"no built graph in {settings.dist_dir}: run 'kemi-graph build' first")
    iris = Iris(settings.base_iri)
    graph_iri = kos_graph_iri(iris)
    nt = parsed.ntriples()
    manifest = {
        "name": KOS_NAME,
        "source": parsed.source,
        "files": parsed.files,
        "triples": len(parsed.triples),
        "sha256": hashlib.sha256(nt).hexdigest(),
        **{k.lower() + "s": v for k, v in parsed.counts.items()},
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}-import-", dir=dist.parent))
    try:
        copy = staging / dist.name
        shutil.copytree(dist, copy)
        folder = copy / IMPORTS_FOLDER
        folder.mkdir(exist_ok=True)
        (folder / f"{KOS_NAME}.nt").write_bytes(nt)
        (folder / f"{KOS_NAME}.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _replace_graph(copy, graph_iri, nt, manifest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    from kemi_graph.store import swap_into_place

    swap_into_place(copy, dist)
    shutil.rmtree(staging, ignore_errors=True)
    log(f"imported {manifest['triples']} triples ({manifest['goals']} goals, {manifest['targets']} targets, "
        f"{manifest['indicators']} indicators) into <{graph_iri}> of {settings.dist_dir}")
    return manifest


def _replace_graph(dist: Path, graph_iri: URIRef, nt: bytes, manifest: dict[str, Any]) -> None:
    """In a copy of dist: swap the graph in the store, rewrite dumps and build-info."""
    from kemi_graph.pipeline.load import triple_count
    from kemi_graph.pipeline.run import dataset_nquads, write_plain_dumps
    from kemi_graph.publish.assemble import CACHE
    from kemi_graph.publish.dumps import stable_quads
    from kemi_graph.store import BUILD_INFO, STORE_FOLDER

    store = ox.Store(str(dist / STORE_FOLDER))
    name = ox.NamedNode(str(graph_iri))
    if store.contains_named_graph(name):
        store.remove_graph(name)
    store.load(nt, ox.RdfFormat.N_TRIPLES, to_graph=name)
    store.flush()
    graphs: dict[URIRef, bytes] = {}
    info = json.loads((dist / BUILD_INFO).read_text(encoding="utf-8"))
    order = [URIRef(g) for g in info.get("graphs", {})]
    names = sorted((URIRef(g.value) for g in store.named_graphs()), key=lambda g: (order.index(g) if g in order else len(order), str(g)))
    for graph_name in names:
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(str(graph_name)))
        graphs[graph_name] = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    del store
    for stale in ("dataset.nq", "dataset.trig"):
        (dist / stale).unlink(missing_ok=True)
    shutil.rmtree(dist / "graphs", ignore_errors=True)
    # The pieces an import builds on (kemi_graph/publish/assemble.py) no longer match these dumps:
    # the next import runs a full build, which writes them anew.
    shutil.rmtree(dist / CACHE, ignore_errors=True)
    nquads = dataset_nquads(graphs)
    info["version"] = write_plain_dumps(dist, stable_quads(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)))
    info["graphs"] = {str(g): triple_count(data) for g, data in graphs.items()}
    info.setdefault("imports", {})[KOS_NAME] = manifest
    (dist / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


# --- carried through every build -----------------------------------------------------------


@dataclass
class SavedImports:
    """What ``dist/imports/`` held when a build started: re-loaded and carried forward."""

    graphs: dict[URIRef, Graph] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def save(self, staging: Path) -> None:
        if not self.files:
            return
        folder = staging / IMPORTS_FOLDER
        folder.mkdir(exist_ok=True)
        for path in self.files:
            shutil.copy2(path, folder / path.name)


def saved_imports(settings: Settings, iris: Iris) -> SavedImports:
    """Read ``{dist}/imports/un-sdg-kos.nt`` (+ manifest) if an earlier ``sdg import`` left it."""
    from kemi_graph.pipeline.load import new_graph

    found = SavedImports()
    folder = settings.dist_dir / IMPORTS_FOLDER
    data = folder / f"{KOS_NAME}.nt"
    if not data.is_file():
        return found
    graph = new_graph()
    try:
        graph.parse(data, format="nt")
    except Exception as error:  # a damaged saved import must not pass silently
        raise InputError(f"{data}: the saved SDG KOS import is not valid N-Triples: {error}; run 'kemi-graph sdg import' again") from error
    found.graphs[kos_graph_iri(iris)] = graph
    found.files.append(data)
    manifest = folder / f"{KOS_NAME}.json"
    if manifest.is_file():
        found.files.append(manifest)
        found.info[KOS_NAME] = json.loads(manifest.read_text(encoding="utf-8"))
    else:
        found.info[KOS_NAME] = {"name": KOS_NAME, "triples": len(graph)}
    return found
