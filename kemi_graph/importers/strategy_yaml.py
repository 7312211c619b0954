"""The curated strategy file (``data/{municipality}/strategy.yaml``) to RDF.

The city's own statements (verbatim text, the document's structure, source locations and
printed SDG links) go into the city graph; everything the project reads into them
(translations, corrected spellings, posts and schedules, targets, measurements, statuses,
notes) into the interpretation graph. The schema is described in docs/curation.md and the
resulting model in docs/data-model.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kemi_graph.errors import InputError
from kemi_graph.importers.common import (
    COLUMNS,
    STATUSES,
    UNITS,
    ConvertedStrategy,
    add_interval,
    add_provenance,
    add_source_location,
    new_graph,
)
from kemi_graph.importers.source_text import COLUMN_ORDER, SourceText
from kemi_graph.namespaces import KG, ORG, SDG, Iris

INTERPRETATION_METHOD = (
    "Read by the kemi-graph project from the city's document: English translations, corrected "
    "spellings, posts and schedules parsed from the responsibility column, target levels and "
    "numbers parsed from the text, which result answers which indicator where the text makes it "
    "clear, and a status judged from target and result. Curated by hand in strategy.yaml."
)


def convert_file(path: Path, iris: Iris) -> ConvertedStrategy:
    """Read and convert one curated strategy file; every error names the file and the element at fault."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: cannot read the strategy file: {error}") from error
    if not isinstance(document, Mapping):
        raise InputError(f"{path}: expected a mapping at the top level")
    return _Converter(path, document, iris).convert()


_new_graph = new_graph


class _Converter:
    def __init__(self, path: Path, document: Mapping[str, Any], iris: Iris) -> None:
        self.path = path
        self.doc = document
        self.iris = iris
        self.city = _new_graph()
        self.interp = _new_graph()
        self.m = self._slug(document, "municipality", "id")
        self.s = self._slug(document, "strategy", "id")
        self.source = SourceText.read(path.parent / self._get(document, "source", "file"))

    # --- helpers -------------------------------------------------------------------------

    def _fail(self, where: str, message: str) -> InputError:
        return InputError(f"{self.path}: {where}: {message}")

    def _get(self, mapping: Mapping[str, Any], *keys: str, where: str = "") -> Any:
        value: Any = mapping
        trail = where
        for key in keys:
            trail = f"{trail}.{key}" if trail else key
            if not isinstance(value, Mapping) or key not in value or value[key] in (None, ""):
                raise self._fail(trail, "missing")
            value = value[key]
        return value

    def _slug(self, mapping: Mapping[str, Any], *keys: str, where: str = "") -> str:
        slug = str(self._get(mapping, *keys, where=where))
        if not slug or any(not (c.isascii() and (c.isalnum() or c == "-")) for c in slug) or slug != slug.lower():
            raise self._fail(f"{where}.{'.'.join(keys)}".strip("."), f"{slug!r} is not a lowercase ASCII slug")
        return slug

    def _el(self, kind: str, slug: str) -> URIRef:
        return self.iris.element(self.m, self.s, kind, slug)

    def _names(self, node: URIRef, names: Mapping[str, str], where: str, *, written_by_project: bool = False) -> None:
        """A Finnish name is the city's, unless the curator wrote it (a title the document does not
        print); an English one is always the project's translation."""
        if "fi" not in names:
            raise self._fail(where, "a Finnish name (fi) is required")
        (self.interp if written_by_project else self.city).add((node, SKOS.prefLabel, Literal(names["fi"], lang="fi")))
        if names.get("en"):
            self.interp.add((node, SKOS.prefLabel, Literal(names["en"], lang="en")))

    def _text(self, node: URIRef, item: Mapping[str, Any], where: str) -> str:
        """Verbatim Finnish text (city), corrected Finnish, English translation and notes (project)."""
        verbatim = item.get("fi")
        if not isinstance(verbatim, str) or not verbatim.strip():
            raise self._fail(where, "the verbatim Finnish text (fi) is missing")
        self.city.add((node, KG.verbatimText, Literal(verbatim, lang="fi")))
        self.city.add((node, SKOS.prefLabel, Literal(verbatim, lang="fi")))
        if item.get("fi_corrected"):
            self.interp.add((node, KG.correctedText, Literal(item["fi_corrected"], lang="fi")))
        if item.get("en"):
            self.interp.add((node, SKOS.prefLabel, Literal(item["en"], lang="en")))
        for lang, note in (item.get("note") or {}).items():
            self.interp.add((node, SKOS.note, Literal(note, lang=lang)))
        return verbatim

    def _locate(self, node: URIRef, part: int, item: Mapping[str, Any], verbatim: str | None, where: str) -> None:
        """Record where ``node`` stands in the source, checking that the cited text is really there."""
        sources = item.get("source")
        if isinstance(sources, Mapping):
            sources = [sources]
        if not sources:
            raise self._fail(where, "source (its place in the document) is missing")
        printed: list[str] = []
        for index, source in enumerate(sources, start=1):
            column = source.get("column")
            if column is not None and column not in COLUMN_ORDER:
                raise self._fail(f"{where}.source", f"unknown column {column!r}; use one of {', '.join(COLUMN_ORDER)}")
            try:
                line = int(source["line"])
            except (KeyError, TypeError, ValueError):
                raise self._fail(f"{where}.source", "line (a number) is missing") from None
            text = self.source.cell(line, column, in_table_row="row" in source)
            printed.append(text)
            add_source_location(
                self.city, node, URIRef(f"{node}/source/{index}"), document=self.source_doc, part=part,
                column=COLUMNS[column] if column else KG.headingRow, line=line, text=text,
                more=[(prop, int(source[key])) for key, prop in (("row", KG.row), ("block", KG.block), ("sentence", KG.sentence)) if key in source],
            )
        if verbatim is not None and verbatim not in "\n".join(printed):
            raise self._fail(where, f"its text {verbatim!r} is not printed at the cited line(s): {printed!r}")

    # --- the document --------------------------------------------------------------------

    def convert(self) -> ConvertedStrategy:
        doc = self.doc
        municipality = self.iris.municipality(self.m)
        self.city.add((municipality, RDF.type, KG.Municipality))
        self.city.add((municipality, KG.municipalityCode, Literal(str(self._get(doc, "municipality", "code")))))
        self._names(municipality, self._get(doc, "municipality", "name"), "municipality.name")

        unit = self.iris.of_municipality(self.m, "unit", self._slug(doc, "unit", "id"))
        self.city.add((unit, RDF.type, KG.OrganisationalUnit))
        self.city.add((unit, ORG.unitOf, municipality))
        self._names(unit, self._get(doc, "unit", "name"), "unit.name")

        strategy = self.iris.strategy(self.m, self.s)
        self.city.add((strategy, RDF.type, KG.Strategy))
        self.city.add((strategy, KG.municipality, municipality))
        self.city.add((strategy, DCTERMS.publisher, municipality))
        self._names(strategy, self._get(doc, "strategy", "name"), "strategy.name", written_by_project=True)

        self.source_doc = self._el("source", self._slug(doc, "source", "id"))
        self.city.add((self.source_doc, RDF.type, KG.SourceDocument))
        self.city.add((self.source_doc, DCTERMS.format, Literal("text/plain")))
        self.city.add((self.source_doc, DCTERMS.publisher, municipality))
        self.city.add((self.source_doc, KG.sourceFile, Literal(str(self._get(doc, "source", "file")))))
        self._names(self.source_doc, self._get(doc, "source", "title"), "source.title", written_by_project=True)

        self.period = self._period(self._get(doc, "period"))
        self.plan = self._el("plan", self._slug(doc, "plan", "id"))
        self.city.add((self.plan, RDF.type, KG.ImplementationPlan))
        self.city.add((self.plan, KG.implements, strategy))
        self.city.add((self.plan, KG.preparedBy, unit))
        self.city.add((self.plan, KG.municipality, municipality))
        self.city.add((self.plan, KG.source, self.source_doc))
        self.city.add((self.plan, DCTERMS.temporal, self.period))
        self._names(self.plan, self._get(doc, "plan", "name"), "plan.name", written_by_project=True)

        self.units = {self._slug(doc, "unit", "id"): unit}
        self.posts = self._posts(doc.get("posts") or [], unit)
        goals = self._get(doc, "strategic_goals")
        for part, goal in enumerate(goals, start=1):
            self._strategic_goal(part, goal, f"strategic_goals[{part - 1}]")
        self._provenance()
        return ConvertedStrategy(self.m, self.city, self.interp)

    def _period(self, period: Mapping[str, Any]) -> URIRef:
        slug = str(self._get(period, "id", where="period"))
        start = self._get(period, "start", where="period")
        end = self._get(period, "end", where="period")
        node = self._interval(slug, start, end, self.city)
        for lang, label in (self._get(period, "label", where="period")).items():
            (self.city if lang == "fi" else self.interp).add((node, SKOS.prefLabel, Literal(label, lang=lang)))
        return node

    def _interval(self, slug: str, start: dt.date, end: dt.date | None, graph: Graph) -> URIRef:
        """An OWL-Time interval; an open-ended one ("2023-") has a beginning and no end."""
        return add_interval(self.iris, slug, start, end, graph)

    def _posts(self, posts: Iterable[Mapping[str, Any]], unit: URIRef) -> dict[str, URIRef]:
        """Posts are the project's normalised reading of the names in the responsibility column."""
        found: dict[str, URIRef] = {}
        for index, post in enumerate(posts):
            where = f"posts[{index}]"
            slug = self._slug(post, "id", where=where)
            node = self.iris.of_municipality(self.m, "post", slug)
            found[slug] = node
            self.interp.add((node, RDF.type, KG.Post))
            self.interp.add((node, ORG.postIn, unit))
            for lang in ("fi", "en"):
                self.interp.add((node, SKOS.prefLabel, Literal(self._get(post, lang, where=where), lang=lang)))
            for lang, note in (post.get("note") or {}).items():
                self.interp.add((node, SKOS.note, Literal(note, lang=lang)))
        for index, post in enumerate(posts):
            other = post.get("probably_same_as")
            if other is None:
                continue
            if other not in found:
                raise self._fail(f"posts[{index}].probably_same_as", f"{other!r} is not one of the posts listed under 'posts'")
            if not (post.get("note") or {}).get("en"):
                raise self._fail(f"posts[{index}].note", "a post read as probably the same as another needs a note giving the reason")
            this = found[post["id"]]
            self.interp.add((this, KG.probablySamePostAs, found[other]))
            self.interp.add((found[other], KG.probablySamePostAs, this))
        return found

    def _strategic_goal(self, part: int, goal: Mapping[str, Any], where: str) -> None:
        node = self._el("goal", self._slug(goal, "id", where=where))
        self.city.add((node, RDF.type, KG.StrategicGoal))
        self.city.add((node, KG.plan, self.plan))
        self.city.add((self.plan, SKOS.hasTopConcept, node))
        self._text(node, goal, where)
        self._locate(node, part, goal, None, where)
        heading = URIRef(f"{node}/source/1")
        for line in (goal.get("column_headings") or {}).get("lines", []):
            for cell in self.source.cells(int(line)):
                self.city.add((heading, KG.columnHeading, Literal(cell, lang="fi")))
        for index, link in enumerate(goal.get("sdg") or []):
            self._sdg_link(node, part, link, index, f"{where}.sdg[{index}]")
        for index, objective in enumerate(self._get(goal, "objectives", where=where)):
            self._objective(node, part, objective, f"{where}.objectives[{index}]")

    def _sdg_link(self, node: URIRef, part: int, link: Mapping[str, Any], index: int, where: str) -> None:
        """A printed SDG icon: a link of the strategic goal; where it stood is provenance only."""
        number = self._get(link, "goal", where=where)
        if not isinstance(number, int) or not 1 <= number <= 17:
            raise self._fail(where, f"SDG goal {number!r} is not a number from 1 to 17")
        goal_iri = SDG[str(number)]
        self.city.add((node, KG.sdg, goal_iri))
        source = dict(link["source"]) if isinstance(link.get("source"), Mapping) else None
        if source is None:
            raise self._fail(where, "source (where the icon is printed) is missing")
        line = int(source["line"])
        text = self.source.cell(line, "sdg", in_table_row="row" in source)
        add_source_location(
            self.city, node, URIRef(f"{node}/source/sdg-{number}"), document=self.source_doc, part=part,
            column=KG.sdgColumn, line=line, text=text,
            more=[(DCTERMS.subject, goal_iri)] + ([(KG.row, int(source["row"]))] if "row" in source else []),
        )

    def _element(self, kind: str, cls: URIRef, part: int, item: Mapping[str, Any], where: str) -> URIRef:
        node = self._el(kind, self._slug(item, "id", where=where))
        if (node, RDF.type, None) in self.city:
            raise self._fail(where, f"the id {item['id']!r} is used twice for a {kind}")
        self.city.add((node, RDF.type, cls))
        verbatim = self._text(node, item, where)
        self._locate(node, part, item, verbatim, where)
        return node

    def _objective(self, goal: URIRef, part: int, objective: Mapping[str, Any], where: str) -> None:
        node = self._element("objective", KG.Objective, part, objective, where)
        self.city.add((node, KG.strategicGoal, goal))
        self.city.add((node, KG.plan, self.plan))
        for index, action in enumerate(objective.get("actions") or []):
            child = self._element("action", KG.Action, part, action, f"{where}.actions[{index}]")
            self.city.add((child, KG.objective, node))
            self.city.add((child, KG.plan, self.plan))
        for index, item in enumerate(objective.get("responsibilities") or []):
            self._responsibility(node, part, item, f"{where}.responsibilities[{index}]")
        indicators: dict[str, URIRef] = {}
        for index, item in enumerate(objective.get("indicators") or []):
            indicators[item.get("id")] = self._indicator(node, part, item, f"{where}.indicators[{index}]")
        for index, item in enumerate(objective.get("results") or []):
            self._result(node, part, item, indicators, f"{where}.results[{index}]")

    def _responsibility(self, objective: URIRef, part: int, item: Mapping[str, Any], where: str) -> None:
        node = self._element("responsibility", KG.Responsibility, part, item, where)
        self.city.add((node, KG.responsibilityOf, objective))
        for slug in item.get("posts") or []:
            if slug not in self.posts:
                raise self._fail(f"{where}.posts", f"{slug!r} is not one of the posts listed under 'posts'")
            self.interp.add((node, KG.responsiblePost, self.posts[slug]))
        for slug in item.get("units") or []:
            if slug not in self.units:
                raise self._fail(f"{where}.units", f"{slug!r} is not the unit named under 'unit' ({', '.join(self.units)})")
            self.interp.add((node, KG.responsibleUnit, self.units[slug]))
        schedule = item.get("schedule")
        if schedule:
            start = int(self._get(schedule, "from", where=where))
            end = schedule.get("to")
            slug = f"{start}" if end == start else f"{start}-{end or ''}"
            period = self._interval(
                slug, dt.date(start, 1, 1), dt.date(int(end), 12, 31) if end else None, self.interp
            )
            self.interp.add((node, KG.schedule, period))

    def _indicator(self, objective: URIRef, part: int, item: Mapping[str, Any], where: str) -> URIRef:
        node = self._element("indicator", KG.Indicator, part, item, where)
        self.city.add((node, KG.indicatorOf, objective))
        self.city.add((node, KG.plan, self.plan))
        target = item.get("target")
        if target:
            target_node = URIRef(f"{node}/target")
            self.interp.add((node, KG.target, target_node))
            self.interp.add((target_node, RDF.type, KG.Target))
            if "value" in target:
                self.interp.add((target_node, KG.targetValue, _decimal(target["value"])))
                self.interp.add((target_node, KG.unit, self._unit(target.get("unit"), f"{where}.target")))
            if "deadline" in target:
                self.interp.add((target_node, KG.deadline, Literal(target["deadline"], datatype=XSD.date)))
            for lang, text in (target.get("deadline_text") or {}).items():
                self.interp.add((target_node, KG.deadlineText, Literal(text, lang=lang)))
            if target.get("en"):
                self.interp.add((target_node, SKOS.prefLabel, Literal(target["en"], lang="en")))
        self._data_sources(node, item, where)
        return node

    def _data_sources(self, node: URIRef, item: Mapping[str, Any], where: str) -> None:
        """``data_sources`` (ids in data/sources/*.ttl) and ``un_indicators`` (UN C-codes): the project's links."""
        from kemi_graph.importers.data_sources import data_source_ids, data_source_iri

        known = data_source_ids(self.iris) if item.get("data_sources") else set()
        for slug in item.get("data_sources") or []:
            if slug not in known:
                raise self._fail(f"{where}.data_sources", f"{slug!r} is not a data source described in data/sources/ (known: {', '.join(sorted(known))})")
            self.interp.add((node, KG.dataSource, data_source_iri(self.iris, slug)))
        for code in item.get("un_indicators") or []:
            if not (isinstance(code, str) and len(code) == 7 and code[0] == "C" and code[1:].isalnum() and code == code[0] + code[1:].lower()):
                raise self._fail(f"{where}.un_indicators", f"{code!r} is not a UN SDG indicator code such as C030a01")
            self.interp.add((node, KG.relatedUnIndicator, SDG[code]))

    def _unit(self, name: Any, where: str) -> URIRef:
        if name not in UNITS:
            raise self._fail(where, f"unit {name!r} is not one of {', '.join(UNITS)}")
        return UNITS[name]

    def _result(
        self, objective: URIRef, part: int, item: Mapping[str, Any], indicators: Mapping[str, URIRef], where: str
    ) -> None:
        node = self._element("result", KG.Result, part, item, where)
        self.city.add((node, KG.resultOf, objective))
        self.city.add((node, KG.period, self.period))
        self.city.add((node, KG.plan, self.plan))
        answered = item.get("answers") or []
        answered = [answered] if isinstance(answered, str) else answered
        for slug in answered:
            if slug not in indicators:
                raise self._fail(f"{where}.answers", f"{slug!r} is not an indicator of the same objective")
        status_name = item.get("status")
        if status_name not in STATUSES:
            raise self._fail(f"{where}.status", f"{status_name!r} is not one of {', '.join(STATUSES)}")
        self.interp.add((node, KG.status, STATUSES[status_name]))
        for slug in answered:
            self.interp.add((node, KG.answers, indicators[slug]))
            self.interp.add((indicators[slug], KG.status, STATUSES[status_name]))
        for lang, note in (item.get("status_note") or {}).items():
            self.interp.add((node, SKOS.note, Literal(note, lang=lang)))
        measured: list[URIRef] = []
        derived: list[URIRef] = []
        for index, measurement in enumerate(item.get("measurements") or [], start=1):
            m_where = f"{where}.measurements[{index - 1}]"
            m_node = URIRef(f"{node}/measurement/{index}")
            self.interp.add((node, KG.measurement, m_node))
            self.interp.add((m_node, KG.measurementOf, node))
            self.interp.add((m_node, RDF.type, KG.Measurement))
            self.interp.add((m_node, KG.value, _decimal(self._get(measurement, "value", where=m_where))))
            self.interp.add((m_node, KG.unit, self._unit(measurement.get("unit"), m_where)))
            self.interp.add((m_node, KG.period, self.period))
            for lang, label in (measurement.get("label") or {}).items():
                self.interp.add((m_node, RDFS.label, Literal(label, lang=lang)))
            measured_indicator = self._measured_indicator(measurement, answered, m_where)
            if measured_indicator is not None:
                self.interp.add((m_node, KG.measures, indicators[measured_indicator]))
            (derived if measurement.get("derived") else measured).append(m_node)
        for m_node in derived:
            for source in measured:
                self.interp.add((m_node, PROV.wasDerivedFrom, source))

    def _measured_indicator(self, measurement: Mapping[str, Any], answered: list[str], where: str) -> str | None:
        """The indicator whose quantity the number is: ``measures`` (an indicator id the result
        answers, or false when the number counts something else), else the one indicator answered."""
        if "measures" not in measurement:
            if len(answered) > 1:
                raise self._fail(f"{where}.measures", f"the result answers {len(answered)} indicators; say which one the number measures (or false)")
            return answered[0] if answered else None
        chosen = measurement["measures"]
        if chosen is False:
            return None
        if chosen not in answered:
            raise self._fail(f"{where}.measures", f"{chosen!r} is not an indicator the result answers ({', '.join(answered) or 'none'})")
        return str(chosen)

    def _provenance(self) -> None:
        add_provenance(self.iris, self.m, [self.source_doc], self.city, self.interp, INTERPRETATION_METHOD)


def _decimal(value: Any) -> Literal:
    return Literal(Decimal(str(value)), datatype=XSD.decimal)

