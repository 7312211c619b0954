"""The project's description of national data sources (``data/sources/*.ttl``) and its IRIs.

Relative IRIs in the files are resolved against ``{base}/id/data-source/``, so a data source
is ``{base}/id/data-source/{id}`` under any base IRI; the graph is ``{base}/graph/data-sources``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import RDF, Graph, URIRef

from kemi_graph.errors import InputError
from kemi_graph.namespaces import KG, PREFIXES, Iris
from kemi_graph.resources import data_dir

DATA_SOURCES_DIR = Path("sources")


def data_sources_graph_iri(iris: Iris) -> URIRef:
    return URIRef(f"{iris.base}/graph/data-sources")


def data_source_iri(iris: Iris, slug: str) -> URIRef:
    return URIRef(f"{iris.base}/id/data-source/{slug}")


def data_source_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or data_dir()) / DATA_SOURCES_DIR).glob("*.ttl"))


def data_sources_graph(iris: Iris) -> Graph:
    """Every data-source file, parsed with ``{base}/id/data-source/`` as base; errors name the file."""
    return _graph(iris.base)


def _graph(base: str) -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in _parse(base):
        graph.add(triple)
    return graph


@lru_cache(maxsize=8)
def _parse(base: str) -> tuple:
    graph = Graph()
    for path in data_source_files():
        try:
            graph.parse(path, format="turtle", publicID=f"{base}/id/data-source/")
        except Exception as error:  # rdflib raises parser-specific types; all mean "bad file"
            raise InputError(f"{path}: not valid turtle: {error}") from error
    return tuple(graph)


def data_source_ids(iris: Iris) -> set[str]:
    """The ids (last IRI segment) of every described kg:DataSource."""
    prefix = f"{iris.base}/id/data-source/"
    return {
        str(s)[len(prefix) :]
        for s, p, o in _parse(iris.base)
        if p == RDF.type and o == KG.DataSource and str(s).startswith(prefix)
    }
