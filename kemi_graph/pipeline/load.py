"""Loading the project's sources into named graphs (rdflib), ready to validate and reason over."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.util import guess_format

from kemi_graph.errors import InputError
from kemi_graph.importers.common import ConvertedStrategy
from kemi_graph.importers.strategy_yaml import convert_file
from kemi_graph.namespaces import PREFIXES, Iris
from kemi_graph.resources import data_dir, ontology_dir

ONTOLOGY_FILES = ("kemi-graph.ttl", "external-axioms.ttl")
SHAPES_FILE = "shapes.ttl"
SDG_GOALS_FILE = Path("sdg") / "sdg-goals.ttl"
SDG_TARGETS_FILE = Path("sdg") / "sdg-targets.ttl"
STRATEGY_FILE = "strategy.yaml"


@dataclass
class ProjectGraphs:
    """What a build starts from: shared graphs, and each municipality's city and interpretation graphs."""

    ontology: Graph
    sdg_goals: Graph
    strategies: list[ConvertedStrategy] = field(default_factory=list)
    data_sources: Graph = field(default_factory=Graph)  # the project's description of national data sources
    # The UN targets and indicators with their English texts, stored in the SDG goals graph so that
    # pages can name them; kept out of validation and reasoning, which they would slow fivefold
    # and to which they add nothing.
    sdg_targets: Graph = field(default_factory=Graph)

    def named_graphs(self, iris: Iris) -> dict[URIRef, Graph]:
        graphs = {iris.ontology_graph: self.ontology, iris.sdg_goals_graph: union_of(self.sdg_goals, self.sdg_targets)}
        for strategy in self.strategies:
            graphs[iris.municipality_graph(strategy.municipality, "city")] = strategy.city
            graphs[iris.municipality_graph(strategy.municipality, "interpretation")] = strategy.interpretation
        if len(self.data_sources):
            from kemi_graph.importers.data_sources import data_sources_graph_iri

            graphs[data_sources_graph_iri(iris)] = self.data_sources
        return graphs


def parse_rdf(*paths: Path, into: Graph | None = None) -> Graph:
    """Parse RDF files (format from the extension) into one graph, naming the file on failure."""
    graph = into if into is not None else new_graph()
    for path in paths:
        rdf_format = guess_format(str(path)) or "turtle"
        try:
            graph.parse(path, format=rdf_format)
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except Exception as error:  # rdflib raises many parser-specific types; all mean "bad file"
            raise InputError(f"{path}: not valid {rdf_format}: {error}") from error
    return graph


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def ntriples(graph: Graph) -> bytes:
    """The graph as N-Triples: how graphs travel between build processes and into the store."""
    return graph.serialize(format="nt", encoding="utf-8")


def triple_count(ntriples_data: bytes) -> int:
    return sum(1 for line in ntriples_data.splitlines() if line.strip())


def union_of(*graphs: Graph) -> Graph:
    """A new graph holding the triples of all ``graphs``."""
    union = new_graph()
    for graph in graphs:
        for triple in graph:
            union.add(triple)
    return union


def ontology_graph() -> Graph:
    return parse_rdf(*(ontology_dir() / name for name in ONTOLOGY_FILES))


def shapes_graph() -> Graph:
    return parse_rdf(ontology_dir() / SHAPES_FILE)


def strategy_files(root: Path | None = None) -> list[Path]:
    """Every curated municipality strategy: ``data/{municipality}/strategy.yaml``."""
    return sorted((root or data_dir()).glob(f"*/{STRATEGY_FILE}"))


def shared_graphs() -> ProjectGraphs:
    """The graphs every municipality's data is read with: the ontology and the 17 SDG goals."""
    return ProjectGraphs(ontology=ontology_graph(), sdg_goals=parse_rdf(data_dir() / SDG_GOALS_FILE))


def load_project(iris: Iris) -> ProjectGraphs:
    from kemi_graph.importers.data_sources import data_sources_graph

    project = shared_graphs()
    project.data_sources = data_sources_graph(iris)
    project.sdg_targets = parse_rdf(data_dir() / SDG_TARGETS_FILE)
    seen: dict[str, Path] = {}
    for path in strategy_files():
        converted = convert_file(path, iris)
        if converted.municipality in seen:
            raise InputError(f"{path}: municipality {converted.municipality!r} is already defined in {seen[converted.municipality]}")
        seen[converted.municipality] = path
        project.strategies.append(converted)
    return project
