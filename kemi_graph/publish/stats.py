"""What the dataset description counts, gathered per *part* and added up, so one part can be replaced.

A part is one municipality's graphs (``{base}/graph/{m}/…``) or the shared graphs (ontology, SDG
goals, data sources, the UN SDG KOS). :func:`part_stats` reads one part's quads; :func:`merge`
adds parts up into what :func:`kemi_graph.publish.description.describe_stats` describes. Counts
that add up (quads per graph, per property, per linkset) are kept as numbers; distinct counts
(subjects, objects, class members), whose terms several parts may share (a reporting period, an
SDG target, a literal), as sets of 64-bit hashes of the terms, united across parts. The facts
(municipalities, periods, dates, an example) are read within a part and united likewise, each
then chosen by a fixed rule (the smallest), so the result depends on the parts, not on their order.

A full build and an incremental import both describe the merge of the same parts, so they give
the same description.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kemi_graph.namespaces import PREFIXES, SDG, SDGO

KG = PREFIXES["kg"]
RDF_TYPE = PREFIXES["rdf"] + "type"
DCT = PREFIXES["dct"]
TIME = PREFIXES["time"]
LABELS = (PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label")
DATE_PREDICATES = {DCT + "issued", DCT + "modified", DCT + "created"}
DATE_TYPES = {PREFIXES["xsd"] + "date", PREFIXES["xsd"] + "dateTime"}
PERIOD_LINKS = {KG + "period": KG + "Result", DCT + "temporal": KG + "ImplementationPlan"}


def term_hash(term: object) -> int:
    return int.from_bytes(hashlib.blake2b(str(term).encode("utf-8"), digest_size=8).digest(), "little")


@dataclass
class Stats:
    """The description's input: one part's, or the merge of all parts."""

    graphs: dict[str, int] = field(default_factory=dict)  # quads per named graph
    subjects: set[int] = field(default_factory=set)
    objects: set[int] = field(default_factory=set)
    classes: dict[str, set[int]] = field(default_factory=dict)  # class IRI → its members' hashes
    properties: Counter[str] = field(default_factory=Counter)
    links: Counter[str] = field(default_factory=Counter)  # links to the UN SDG KOS, per predicate
    municipalities: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # IRI → {"code": [...], lang: [labels]}
    periods: set[str] = field(default_factory=set)  # the reporting periods results and plans point at
    period_facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # IRI → labels, begin/end nodes and their dates
    dates: list[str] = field(default_factory=list)  # [earliest, latest] of dct:issued/modified/created
    example: str | None = None

    @property
    def quads(self) -> int:
        return sum(self.graphs.values())

    # -- the facts, chosen -------------------------------------------------------------------

    def municipality_rows(self) -> list[tuple[str, str, dict[str, str]]]:
        """(IRI, code, labels by language) of every municipality, sorted."""
        rows = []
        for iri, values in sorted(self.municipalities.items()):
            codes = sorted(values.get("code", []))
            labels = {lang: min(texts) for lang, texts in values.items() if lang != "code" and texts}
            rows.append((iri, codes[0] if codes else "", {("" if lang == "@" else lang): text for lang, text in labels.items()}))
        return rows

    def period_rows(self) -> list[tuple[str, str | None, str | None, dict[str, str]]]:
        """(IRI, start, end, labels) of every reporting period: for each language the first label
        (skos:prefLabel before rdfs:label, then in term order), the first bound with a date."""
        rows = []
        for iri in sorted(self.periods):
            fact = self.period_facts.get(iri, {})
            labels: dict[str, str] = {}
            for predicate in LABELS:
                for _, lang, text in sorted(tuple(x) for x in fact.get(predicate, [])):
                    labels.setdefault(lang, text)
            rows.append((iri, _date(fact.get("begin", {})), _date(fact.get("end", {})), labels))
        return rows

    # -- files -------------------------------------------------------------------------------

    def write(self, path: Path) -> None:
        """``path`` (JSON) and ``path.hashes`` (the hash sets, binary): written as new files, never through a link."""
        info = {
            "graphs": self.graphs, "properties": dict(self.properties), "links": dict(self.links),
            "municipalities": self.municipalities, "periods": sorted(self.periods), "period_facts": self.period_facts,
            "dates": self.dates, "example": self.example, "classes": sorted(self.classes),
        }
        sets = [self.subjects, self.objects, *(self.classes[c] for c in sorted(self.classes))]
        blob = bytearray()
        for values in sets:
            packed = array("Q", sorted(values))
            blob += len(packed).to_bytes(8, "little") + packed.tobytes()
        for target, data in ((path, json.dumps(info, sort_keys=True).encode("utf-8")), (path.with_suffix(".hashes"), bytes(blob))):
            target.unlink(missing_ok=True)
            target.write_bytes(data)

    @classmethod
    def read(cls, path: Path) -> Stats:
        info = json.loads(path.read_text(encoding="utf-8"))
        blob = memoryview(path.with_suffix(".hashes").read_bytes())
        sets: list[array[int]] = []
        offset = 0
        while offset < len(blob):
            count = int.from_bytes(blob[offset:offset + 8], "little")
            values = array("Q")
            values.frombytes(blob[offset + 8:offset + 8 + 8 * count])
            sets.append(values)
            offset += 8 + 8 * count
        return cls(
            graphs=info["graphs"], subjects=set(sets[0]), objects=set(sets[1]),
            classes={name: set(values) for name, values in zip(info["classes"], sets[2:])},
            properties=Counter(info["properties"]), links=Counter(info["links"]), municipalities=info["municipalities"],
            periods=set(info["periods"]), period_facts=info["period_facts"], dates=info["dates"], example=info["example"],
        )


def _date(bounds: dict[str, list[str]]) -> str | None:
    for bound in sorted(bounds):
        for value in sorted(bounds[bound]):
            return value
    return None


def part_stats(quads: Sequence[ox.Quad], base_iri: str) -> Stats:
    """The statistics and facts of one part's quads (or of a whole dataset taken as one part)."""
    stats = Stats()
    graphs: Counter[str] = Counter()
    types: dict[ox.NamedNode | ox.BlankNode, set[str]] = defaultdict(set)
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]] = defaultdict(list)
    own = f"{base_iri}/id/"
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs[quad.graph_name.value] += 1
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        stats.subjects.add(term_hash(subject))
        stats.objects.add(term_hash(obj))
        stats.properties[predicate] += 1
        by_subject[subject].append(quad)
        if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
            types[subject].add(obj.value)
            stats.classes.setdefault(obj.value, set()).add(term_hash(subject))
        elif (isinstance(subject, ox.NamedNode) and subject.value.startswith(own) and isinstance(obj, ox.NamedNode)
              and obj.value.startswith(str(SDG)) and not obj.value.startswith(str(SDGO))):
            stats.links[predicate] += 1
        if predicate in DATE_PREDICATES and isinstance(obj, ox.Literal) and obj.datatype.value in DATE_TYPES:
            day = obj.value[:10]
            stats.dates = [min(stats.dates[0], day), max(stats.dates[1], day)] if stats.dates else [day, day]
    stats.graphs = dict(sorted(graphs.items()))
    for subject, kinds in types.items():
        if not isinstance(subject, ox.NamedNode):
            continue
        if KG + "StrategicGoal" in kinds and (stats.example is None or subject.value < stats.example):
            stats.example = subject.value
        if KG + "Municipality" in kinds:
            entry = stats.municipalities.setdefault(subject.value, {})
            for quad in by_subject[subject]:
                if quad.predicate.value == KG + "municipalityCode":
                    entry.setdefault("code", []).append(quad.object.value)
                elif quad.predicate.value == LABELS[0] and isinstance(quad.object, ox.Literal):
                    entry.setdefault(quad.object.language or "@", []).append(quad.object.value)
        for quad in by_subject[subject]:
            wanted = PERIOD_LINKS.get(quad.predicate.value)
            if wanted in kinds and isinstance(quad.object, ox.NamedNode):
                stats.periods.add(quad.object.value)
    for period in _mentioned_periods(by_subject):
        stats.period_facts[period.value] = _period_fact(period, by_subject)
    for entry in stats.municipalities.values():
        for key in entry:
            entry[key] = sorted(set(entry[key]))
    return stats


def _mentioned_periods(by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]]) -> set[ox.NamedNode]:
    """Every IRI a part points at with kg:period or dct:temporal, or that has a beginning or end."""
    found: set[ox.NamedNode] = set()
    for subject, quads in by_subject.items():
        for quad in quads:
            if quad.predicate.value in PERIOD_LINKS and isinstance(quad.object, ox.NamedNode):
                found.add(quad.object)
            elif quad.predicate.value in (TIME + "hasBeginning", TIME + "hasEnd") and isinstance(subject, ox.NamedNode):
                found.add(subject)
    return found


def _period_fact(period: ox.NamedNode, by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]]) -> dict[str, Any]:
    fact: dict[str, Any] = {}
    for quad in by_subject.get(period, []):
        predicate, obj = quad.predicate.value, quad.object
        if predicate in LABELS and isinstance(obj, ox.Literal):
            fact.setdefault(predicate, []).append([str(obj), obj.language or "", obj.value])
        elif predicate in (TIME + "hasBeginning", TIME + "hasEnd") and not isinstance(obj, ox.Literal):
            dates = [str(q.object.value) for q in by_subject.get(obj, []) if q.predicate.value == TIME + "inXSDDate"]
            fact.setdefault("begin" if predicate.endswith("hasBeginning") else "end", {}).setdefault(str(obj), []).extend(dates)
    for key, value in fact.items():
        if key in LABELS:
            fact[key] = sorted({tuple(x) for x in value})
        else:
            fact[key] = {bound: sorted(set(dates)) for bound, dates in value.items()}
    return fact


def merge(parts: Iterable[Stats]) -> Stats:
    """The parts added up (their graphs are disjoint)."""
    total = Stats()
    for part in parts:
        add_into(total, part)
    total.graphs = dict(sorted(total.graphs.items()))
    return total


def add_into(total: Stats, part: Stats) -> None:
    """Add one part to ``total``: parts may be added one at a time, in any order, and then let go."""
    total.graphs.update(part.graphs)
    total.subjects |= part.subjects
    total.objects |= part.objects
    for name, members in part.classes.items():
        total.classes.setdefault(name, set()).update(members)
    total.properties.update(part.properties)
    total.links.update(part.links)
    for iri, values in part.municipalities.items():
        entry = total.municipalities.setdefault(iri, {})
        for key, texts in values.items():
            entry[key] = sorted(set(entry.get(key, [])) | set(texts))
    total.periods |= part.periods
    for iri, fact in part.period_facts.items():
        into = total.period_facts.setdefault(iri, {})
        for key, value in fact.items():
            if key in LABELS:
                into[key] = sorted({tuple(x) for x in into.get(key, [])} | {tuple(x) for x in value})
            else:
                bounds = into.setdefault(key, {})
                for bound, dates in value.items():
                    bounds[bound] = sorted(set(bounds.get(bound, [])) | set(dates))
    if part.dates:
        total.dates = [min(total.dates[0], part.dates[0]), max(total.dates[1], part.dates[1])] if total.dates else list(part.dates)
    if part.example is not None and (total.example is None or part.example < total.example):
        total.example = part.example
