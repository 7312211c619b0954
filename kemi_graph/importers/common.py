"""Building blocks every strategy importer shares (curated YAML, tables): the converted form,
units, statuses, columns, OWL-Time periods and the PROV of the two graphs.

``strategy_yaml.py`` and ``table.py`` both produce a :class:`ConvertedStrategy`: a city graph
(what the municipality wrote) and an interpretation graph (what the project reads into it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, TIME

from kemi_graph.namespaces import KG, PREFIXES, Iris

CURRENCY = Namespace("http://qudt.org/vocab/currency/")
UNITS = {
    "percent": URIRef("http://qudt.org/vocab/unit/PERCENT"),
    "count": URIRef("http://qudt.org/vocab/unit/NUM"),
    "per-year": URIRef("http://qudt.org/vocab/unit/PER-YR"),
    "euro": CURRENCY.EUR,
}
STATUSES = {
    "achieved": KG.achieved,
    "partly-achieved": KG.partlyAchieved,
    "not-achieved": KG.notAchieved,
    "no-target": KG.noTarget,
    "not-known": KG.notKnown,
}
COLUMNS = {
    "goal": KG.goalColumn,
    "objective": KG.objectiveColumn,
    "action": KG.actionColumn,
    "responsibility": KG.responsibilityColumn,
    "indicator": KG.indicatorColumn,
    "result": KG.resultColumn,
    "sdg": KG.sdgColumn,
}
PROJECT = URIRef("https://w3id.org/kemi-graph")


@dataclass(frozen=True)
class ConvertedStrategy:
    """One municipality's strategy as two graphs: what the city wrote, and what the project reads into it."""

    municipality: str
    city: Graph
    interpretation: Graph


def add_source_location(
    city: Graph,
    node: URIRef,
    location: URIRef,
    *,
    document: URIRef,
    part: int,
    column: URIRef,
    line: int,
    text: str,
    more: Iterable[tuple[URIRef, object]] = (),
) -> None:
    """``node`` kg:sourceLocation ``location``, and where that is: the document, its part, column,
    line and the text printed there; ``more``: further (predicate, value) pairs (row, sheet, cell, ...)."""
    city.add((node, KG.sourceLocation, location))
    city.add((location, RDF.type, KG.SourceLocation))
    city.add((location, KG.sourceDocument, document))
    city.add((location, KG.part, Literal(part)))
    city.add((location, KG.column, column))
    city.add((location, KG.line, Literal(line)))
    city.add((location, KG.sourceText, Literal(text, lang="fi")))
    for predicate, value in more:
        city.add((location, predicate, value if isinstance(value, URIRef) else Literal(value)))


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def add_interval(iris: Iris, slug: str, start: dt.date | None, end: dt.date | None, graph: Graph) -> URIRef:
    """An OWL-Time interval ``{base}/id/period/{slug}``; an open-ended one ("2023-") has a beginning and no end."""
    node = iris.period(slug)
    graph.add((node, RDF.type, TIME.ProperInterval))
    for prop, date, suffix in ((TIME.hasBeginning, start, "beginning"), (TIME.hasEnd, end, "end")):
        if date is None:
            continue
        instant = URIRef(f"{node}/{suffix}")
        graph.add((node, prop, instant))
        graph.add((instant, RDF.type, TIME.Instant))
        graph.add((instant, TIME.inXSDDate, Literal(date, datatype=XSD.date)))
    return node


def add_provenance(iris: Iris, municipality: str, sources: list[URIRef], city: Graph, interp: Graph, method: str) -> None:
    """The city graph is the municipality's, derived from its documents; the interpretation graph the project's."""
    city_graph = iris.municipality_graph(municipality, "city")
    interp_graph = iris.municipality_graph(municipality, "interpretation")
    city.add((city_graph, RDF.type, PROV.Entity))
    city.add((city_graph, PROV.wasAttributedTo, iris.municipality(municipality)))
    for source in sources:
        city.add((city_graph, PROV.wasDerivedFrom, source))
    interp.add((interp_graph, RDF.type, PROV.Entity))
    interp.add((interp_graph, PROV.wasDerivedFrom, city_graph))
    interp.add((interp_graph, PROV.wasAttributedTo, PROJECT))
    interp.add((interp_graph, DCTERMS.description, Literal(method, lang="en")))
    interp.add((PROJECT, RDF.type, PROV.SoftwareAgent))
    interp.add((PROJECT, RDFS.label, Literal("kemi-graph", lang="en")))
