"""Reusing an earlier build's per-municipality results when nothing they were made from has changed.

The per-municipality pass (SHACL, OWL 2 RL rules, SDG suggestions; kemi_graph/pipeline/parallel.py)
is most of a build's time, and ``kemi-graph import`` of one municipality rebuilds all of them.
Its results depend only on the municipality's city and interpretation graphs and on what every
municipality shares: the ontology, shapes, SDG goals, data sources and term list (the files
under ``ontology/``, ``data/sdg/``, ``data/sources/``), the lemmatiser's version, the base IRI,
the validator used and kemi-graph's own code. A key hashes all of that; a build keeps the
results of every municipality that passed in ``dist/cache/municipalities/{key}.*.nt``, and the
next build takes a result from there instead of computing it when the key is the same. Only
results that passed the shapes are kept, so a reused result stands for a passed check.

The folder is written into the staging folder with the rest of the build, so it is swapped in
(or thrown away) together with the store it belongs to. Any change to an input changes the key:
the result is computed again, never reused stale; a key that cannot repeat (e.g. the graph has
blank nodes, whose labels differ from parse to parse) only costs the reuse.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kemi_graph import __version__
from kemi_graph.resources import data_dir, ontology_dir

FOLDER = Path("cache") / "municipalities"
FORMAT = "kemi-graph municipality results 1"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PassResult:
    """One municipality's derived graphs, as N-Triples."""

    inferred: bytes
    suggested: bytes


def shared_key(base_iri: str, check: object) -> str:
    """The hash of everything every municipality's result depends on besides its own graphs."""
    import simplemma

    digest = hashlib.sha256()
    for part in (FORMAT, __version__, base_iri, getattr(simplemma, "__version__", ""), _name_of(check)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(_files_digest())
    return digest.hexdigest()


def municipality_key(shared: str, municipality: str, city: bytes, interpretation: bytes) -> str:
    """The key of one municipality's result; its graphs (N-Triples) count as sets of lines, since
    rdflib writes the same graph in a different order from one process to the next."""
    digest = hashlib.sha256()
    for part in (shared.encode("ascii"), municipality.encode("utf-8"), _lines(city), _lines(interpretation)):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _lines(ntriples: bytes) -> bytes:
    return b"\n".join(sorted(line for line in ntriples.splitlines() if line.strip()))


def read(dist_dir: Path, key: str) -> PassResult | None:
    """The result kept under ``key`` by the build in ``dist_dir``, if there is one."""
    folder = dist_dir / FOLDER
    try:
        return PassResult((folder / f"{key}.inferred.nt").read_bytes(), (folder / f"{key}.suggested.nt").read_bytes())
    except OSError:
        return None


def write(staging: Path, results: Mapping[str, PassResult]) -> None:
    folder = staging / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for key, result in results.items():
        (folder / f"{key}.inferred.nt").write_bytes(result.inferred)
        (folder / f"{key}.suggested.nt").write_bytes(result.suggested)


def _name_of(check: object) -> str:
    """Which validator ran: a different one (e.g. a test's stand-in) must not reuse the real one's results."""
    return f"{getattr(check, '__module__', '')}:{getattr(check, '__qualname__', repr(check))}"


@lru_cache(maxsize=1)
def _files_digest() -> bytes:
    digest = hashlib.sha256()
    for name, path in _input_files():
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def _input_files() -> Iterable[tuple[str, Path]]:
    """(name, path) of the shared data files and of kemi-graph's code, in a fixed order."""
    folders = [("ontology", ontology_dir(), "*"), ("data/sdg", data_dir() / "sdg", "*"),
               ("data/sources", data_dir() / "sources", "*"), ("kemi_graph", PACKAGE_DIR, "**/*.py")]
    for label, folder, pattern in folders:
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                yield f"{label}/{path.relative_to(folder).as_posix()}", path
