"""Our IRIs: the fixed vocabulary namespaces and the pattern for data IRIs under a base IRI.

The pattern is documented in docs/data-model.md; every module mints IRIs through ``Iris``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace, URIRef

KG = Namespace("https://w3id.org/kemi-graph/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/kemi-graph/ontology")
SHAPES_IRI = URIRef("https://w3id.org/kemi-graph/shapes")
SDG = Namespace("http://metadata.un.org/sdg/")
SDG_SCHEME = URIRef("http://metadata.un.org/sdg")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SOSA = Namespace("http://www.w3.org/ns/sosa/")
QB = Namespace("http://purl.org/linked-data/cube#")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SCHEMA = Namespace("http://schema.org/")

# Prefixes offered to serialisers, queries and pages, in one place.
PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "sdg": str(SDG),
    "sdgo": str(SDGO),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
    "org": str(ORG),
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "sosa": str(SOSA),
    "qb": str(QB),
    "unit": str(UNIT),
    "schema": str(SCHEMA),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
}


@dataclass(frozen=True)
class Iris:
    """Mints data and graph IRIs under one base IRI (no trailing slash)."""

    base: str

    def _iri(self, *segments: str) -> URIRef:
        return URIRef("/".join((self.base, *segments)))

    @property
    def graph_prefix(self) -> str:
        """Every named graph a build writes starts with this."""
        return f"{self.base}/graph/"

    # Graphs shared by every municipality.
    @property
    def ontology_graph(self) -> URIRef:
        return self._iri("graph", "ontology")

    @property
    def sdg_goals_graph(self) -> URIRef:
        return self._iri("graph", "sdg-goals")

    def municipality_graph(self, municipality: str, kind: str) -> URIRef:
        """``kind`` is ``city``, ``interpretation`` or ``inferred``."""
        return self._iri("graph", municipality, kind)

    def municipality(self, municipality: str) -> URIRef:
        return self._iri("id", municipality)

    def of_municipality(self, municipality: str, kind: str, slug: str) -> URIRef:
        """A unit or post: ``{base}/id/{m}/{kind}/{slug}``."""
        return self._iri("id", municipality, kind, slug)

    def strategy(self, municipality: str, strategy: str) -> URIRef:
        return self._iri("id", municipality, strategy)

    def element(self, municipality: str, strategy: str, kind: str, slug: str) -> URIRef:
        """A plan, source, goal, objective, action, responsibility, indicator or result."""
        return self._iri("id", municipality, strategy, kind, slug)

    def period(self, slug: str) -> URIRef:
        return self._iri("id", "period", slug)

    def is_local(self, iri: str) -> bool:
        return iri == self.base or iri.startswith(self.base + "/")
