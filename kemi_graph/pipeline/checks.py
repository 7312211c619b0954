"""Validation of files a user names, and the committed RDF form of each curated strategy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.util import guess_format

from kemi_graph.pipeline.load import new_graph, parse_rdf, shared_graphs, strategy_files
from kemi_graph.pipeline.validate import ValidationResult, validate
from kemi_graph.config import Settings
from kemi_graph.errors import InputError
from kemi_graph.importers.strategy_yaml import convert_file
from kemi_graph.namespaces import PREFIXES, Iris

RDF_OF_STRATEGY = "strategy.trig"


def validate_files(paths: Sequence[Path], settings: Settings) -> ValidationResult:
    """Validate the files together with the ontology and the SDG goals, as the build would."""
    iris = Iris(settings.base_iri)
    project = shared_graphs()
    data = new_graph()
    for graph in (project.ontology, project.sdg_goals):
        data += graph
    for path in paths:
        if path.suffix in (".yaml", ".yml"):
            converted = convert_file(path, iris)
            data += converted.city
            data += converted.interpretation
        else:
            data += _parse_any(path)
    return validate(data)


def _parse_any(path: Path) -> Graph:
    rdf_format = guess_format(str(path))
    if rdf_format in ("trig", "nquads"):
        dataset = Dataset()
        try:
            dataset.parse(path, format=rdf_format)
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except Exception as error:  # rdflib's parsers raise many types; all mean "bad file"
            raise InputError(f"{path}: not valid {rdf_format}: {error}") from error
        graph = new_graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    return parse_rdf(path)


def write_strategy_rdf(settings: Settings) -> list[Path]:
    """Write each strategy's city and interpretation graphs as TriG beside its strategy.yaml."""
    iris = Iris(settings.base_iri)
    written = []
    for path in strategy_files():
        written.append(path.with_name(RDF_OF_STRATEGY))
        written[-1].write_bytes(strategy_trig(path, iris))
    return written


def strategy_trig(path: Path, iris: Iris) -> bytes:
    """The city and interpretation graphs of one curated strategy as TriG."""
    converted = convert_file(path, iris)
    dataset = ox.Dataset()
    for kind, graph in (("city", converted.city), ("interpretation", converted.interpretation)):
        name = ox.NamedNode(str(iris.municipality_graph(converted.municipality, kind)))
        for triple in ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES):
            dataset.add(ox.Quad(triple.subject, triple.predicate, triple.object, name))
    return ox.serialize(sorted(dataset, key=str), format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
