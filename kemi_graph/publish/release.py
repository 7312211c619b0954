"""``kemi-graph release VERSION``: a versioned, reproducible release folder and its changelog.

A release is made from the built dataset (``dist/dataset.nq``) and written to
``{releases_dir}/{VERSION}/``:

=============================  ====================================================================
``dataset.*.gz``, ``graphs/``  the dumps (kemi_graph.publish.dumps), ``tables/*.csv`` the CSV tables
``description.ttl``            DCAT-AP/VoID of this release (dataset ``{base}/dataset/{VERSION}``,
                               files at ``{base}/releases/{VERSION}/…``)
``validation-report.ttl``      the SHACL report of the data (ontology/shapes.ttl) per municipality
``CHANGELOG.md``               what changed since the previous release: elements added, removed,
                               changed (with each added and removed triple); ``changes.json`` the same
``release.json``               version, previous version, counts, the N-Quads' SHA-256
``downloads.json``             the files with media type, size, checksum and triples
``SHA256SUMS``                 every file of the folder (``sha256sum -c SHA256SUMS``)
=============================  ====================================================================

Same input, same bytes: nothing depends on the clock, the machine or the order graphs were
built in (see kemi_graph.publish.dumps). An element is a subject of the data (an IRI, or a
canonical blank node); it changed when the set of (graph, predicate, object) stated about it
changed. The previous release is the highest existing version below ``VERSION``. A release,
once written, is never overwritten.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kemi_graph import __version__, formats
from kemi_graph.config import Settings
from kemi_graph.errors import InputError, StoreNotBuilt, ValidationFailed
from kemi_graph.namespaces import PREFIXES, Iris
from kemi_graph.publish import description as desc
from kemi_graph.publish.dumps import (
    CHECKSUMS,
    by_graph,
    read_nquads,
    serialize,
    stable_quads,
    table_exports,
    write_dumps,
    write_index,
)

RELEASE_INFO = "release.json"
CHANGELOG = "CHANGELOG.md"
CHANGES = "changes.json"
REPORT = "validation-report.ttl"
DESCRIPTION = "description.ttl"
DATASET_DUMP = "dataset.nq.gz"
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")
SKOS_PREF_LABEL = PREFIXES["skos"] + "prefLabel"
SH = "http://www.w3.org/ns/shacl#"

Log = Callable[[str], None]


def releases_dir(settings: Settings) -> Path:
    return settings.releases_dir


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """``0.10.0`` sorts after ``0.9.1``; text parts sort after numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.+_-]", version))


def existing_releases(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / RELEASE_INFO).is_file()]
    return sorted(found, key=version_key)


def previous_release(folder: Path, version: str) -> str | None:
    """The highest release below ``version`` in ``folder``, if any."""
    below = [v for v in existing_releases(folder) if version_key(v) < version_key(version)]
    return below[-1] if below else None


# ---------------------------------------------------------------------------------------
# Changes
# ---------------------------------------------------------------------------------------


@dataclass
class Changes:
    """What changed between two datasets, element by element (sorted; N-Quads lines as text)."""

    previous: str | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # element → {"added": [...], "removed": [...]}
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def triples_added(self) -> int:
        return sum(len(c["added"]) for c in self.changed.values())

    @property
    def triples_removed(self) -> int:
        return sum(len(c["removed"]) for c in self.changed.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "previous": self.previous,
            "added": self.added,
            "removed": self.removed,
            "changed": [{"element": e, **c} for e, c in self.changed.items()],
        }


def _statements(quads: Sequence[ox.Quad]) -> dict[str, set[str]]:
    about: dict[str, set[str]] = defaultdict(set)
    for quad in quads:
        about[str(quad.subject)].add(str(quad))
    return about


def _labels(quads: Sequence[ox.Quad]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for quad in quads:
        if quad.predicate.value == SKOS_PREF_LABEL and isinstance(quad.object, ox.Literal):
            if quad.object.language == "fi" or str(quad.subject) not in labels:
                labels[str(quad.subject)] = quad.object.value
    return labels


def compare(old: Sequence[ox.Quad] | None, new: Sequence[ox.Quad], previous: str | None) -> Changes:
    """Elements added, removed and changed from ``old`` to ``new`` (``old`` None: a first release)."""
    before = _statements(old or [])
    after = _statements(new)
    changes = Changes(previous=previous, labels={**_labels(old or []), **_labels(new)})
    changes.added = sorted(set(after) - set(before))
    changes.removed = sorted(set(before) - set(after))
    for element in sorted(set(after) & set(before)):
        if after[element] != before[element]:
            changes.changed[element] = {
                "added": sorted(after[element] - before[element]),
                "removed": sorted(before[element] - after[element]),
            }
    return changes


def changelog(version: str, changes: Changes, quads: int, graphs: int, nquads_sha256: str) -> str:
    def name(element: str) -> str:
        label = changes.labels.get(element)
        return f"`{element}`" + (f" {label}" if label else "")

    lines = [f"# Release {version}", ""]
    lines.append(f"Previous release: {changes.previous}." if changes.previous else "Previous release: none; this is the first release.")
    lines.append(f"Dataset: {quads} triples in {graphs} named graphs; `dataset.nq` SHA-256 `{nquads_sha256}`.")
    lines.append("")
    if changes.previous is None:
        lines.append(f"Every element is new: {len(changes.added)} elements (listed in `{CHANGES}`).")
        return "\n".join(lines) + "\n"
    if not (changes.added or changes.removed or changes.changed):
        lines.append("No changes since the previous release.")
        return "\n".join(lines) + "\n"
    lines += [
        "| | elements | triples |",
        "| --- | ---: | ---: |",
        f"| added | {len(changes.added)} | |",
        f"| removed | {len(changes.removed)} | |",
        f"| changed | {len(changes.changed)} | +{changes.triples_added} / -{changes.triples_removed} |",
        "",
    ]
    for title, elements in (("Added elements", changes.added), ("Removed elements", changes.removed)):
        if elements:
            lines += [f"## {title}", ""] + [f"- {name(e)}" for e in elements] + [""]
    if changes.changed:
        lines += ["## Changed elements", ""]
        for element, diff in changes.changed.items():
            lines.append(f"### {name(element)}")
            lines.append("")
            lines += [f"- added: `{line}`" for line in diff["added"]]
            lines += [f"- removed: `{line}`" for line in diff["removed"]]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------
# Validation report
# ---------------------------------------------------------------------------------------


def validation_report(quads: Sequence[ox.Quad], settings: Settings, report_base: str) -> tuple[bool, list[ox.Quad]]:
    """SHACL (ontology/shapes.ttl) per municipality, like the build; the reports as stable quads."""
    import pyshacl

    from kemi_graph.pipeline.load import shapes_graph
    from kemi_graph.publish.description import to_rdflib

    iris = Iris(settings.base_iri)
    graphs = by_graph(quads)
    shared = [str(iris.ontology_graph), str(iris.sdg_goals_graph), f"{settings.base_iri}/graph/data-sources"]
    municipalities = sorted(
        {g.split("/graph/", 1)[1].split("/")[0] for g in graphs if re.fullmatch(re.escape(settings.base_iri) + r"/graph/[^/]+/city", g)}
    )
    shapes = shapes_graph()
    conforms = True
    out: list[ox.Quad] = []
    for municipality in municipalities:
        unit = [*shared, str(iris.municipality_graph(municipality, "city")), str(iris.municipality_graph(municipality, "interpretation"))]
        data = to_rdflib([q for g in unit for q in graphs.get(g, [])])
        ok, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
        conforms = conforms and bool(ok)
        node = ox.NamedNode(f"{report_base}#{municipality}")
        parsed = list(ox.parse(report.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
        roots = {t.subject for t in parsed if t.predicate.value == PREFIXES["rdf"] + "type" and getattr(t.object, "value", "") == SH + "ValidationReport"}
        for t in parsed:
            subject = node if t.subject in roots else t.subject
            obj = node if t.object in roots else t.object
            out.append(ox.Quad(subject, t.predicate, obj, ox.DefaultGraph()))
        for graph in unit:
            if graph in graphs:
                out.append(ox.Quad(node, ox.NamedNode(PREFIXES["dct"] + "references"), ox.NamedNode(graph), ox.DefaultGraph()))
    return conforms, stable_quads(out)


# ---------------------------------------------------------------------------------------
# The release
# ---------------------------------------------------------------------------------------


def release(settings: Settings, version: str, folder: Path | None = None, log: Log = print) -> Path:
    """Release the built dataset (``dist/dataset.nq``) as ``VERSION`` into ``folder`` (default: the releases setting)."""
    source = settings.dist_dir / "dataset.nq"
    if not source.is_file():
        raise StoreNotBuilt(f"no built dataset in {settings.dist_dir}: run 'kemi-graph build' first")
    quads = read_nquads(source, exclude=(desc.description_graph(settings.base_iri),))
    target = write_release(quads, settings, version, folder if folder is not None else releases_dir(settings))
    log(f"released {version} into {target}")
    return target


def write_release(quads: Sequence[ox.Quad], settings: Settings, version: str, folder: Path) -> Path:
    """Write release ``version`` of ``quads`` into ``folder/version``; atomic, never overwriting."""
    if not VERSION.fullmatch(version):
        raise InputError(f"release version {version!r}: use letters, digits and . + _ - (e.g. 2024.1 or 1.0.0), at most 64 characters")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / version
    if target.exists():
        raise InputError(f"release {version} already exists in {folder}; a release is never overwritten, choose a new version")
    previous = previous_release(folder, version)
    quads = stable_quads(quads)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=folder))
    try:
        _write(staging, quads, settings, version, previous, folder)
        os.chmod(staging, 0o755)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _write(staging: Path, quads: list[ox.Quad], settings: Settings, version: str, previous: str | None, folder: Path) -> None:
    base = settings.base_iri
    url = f"{base}/releases/{version}/"
    downloads = write_dumps(staging, quads, table_exports(quads, settings))
    write_index(staging, downloads)
    description = desc.describe(quads, downloads, settings, desc.Publication(download_base=url, version=version, previous=previous))
    checked = desc.validate_description(description)
    if not checked.conforms:
        raise ValidationFailed("the release's description does not conform to ontology/dataset-shapes.ttl; nothing was released", checked.report())
    conforms, report = validation_report(quads, settings, url + REPORT)
    if not conforms:
        raise ValidationFailed(f"the data does not conform to the SHACL shapes; see {REPORT} of a build", "release refused")
    (staging / DESCRIPTION).write_bytes(serialize(description, formats.TURTLE, desc.DESCRIPTION_PREFIXES))
    (staging / REPORT).write_bytes(serialize(report, formats.TURTLE, {**PREFIXES, "sh": SH}))

    old = read_nquads(folder / previous / DATASET_DUMP) if previous else None
    changes = compare(stable_quads(old) if old is not None else None, quads, previous)
    nquads = gzip.decompress((staging / DATASET_DUMP).read_bytes())
    nquads_sha256 = hashlib.sha256(nquads).hexdigest()
    graphs = {g: len(qs) for g, qs in by_graph(quads).items()}
    (staging / CHANGELOG).write_text(changelog(version, changes, len(quads), len(graphs), nquads_sha256), encoding="utf-8")
    _write_json(staging / CHANGES, changes.to_json())
    _write_json(
        staging / RELEASE_INFO,
        {
            "version": version,
            "previous": previous,
            "base_iri": base,
            "dataset": desc.dataset_iri(base, version),
            "triples": len(quads),
            "graphs": graphs,
            "nquads_sha256": nquads_sha256,
            "conforms": conforms,
            "changes": {"added": len(changes.added), "removed": len(changes.removed), "changed": len(changes.changed)},
            "kemi_graph": __version__,
        },
    )
    # SHA256SUMS covers every file of the release, itself excepted.
    files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    lines = [f"{hashlib.sha256((staging / name).read_bytes()).hexdigest()}  {name}\n" for name in files]
    (staging / CHECKSUMS).write_text("".join(lines), encoding="utf-8")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
