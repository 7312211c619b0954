"""The SPARQL 1.1 Service Description of the endpoint, built once as RDF.

Everything comes from kemi_graph.formats (result formats) and the store (its named graphs and
their sizes). The endpoint's and the VoID document's IRIs are given when it is served (the web
layer takes them from the configured public URL, ``Settings.site_url``, never from the request),
so the description is built with placeholders swapped in then; each (endpoint, format) pair is
serialised once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import pyoxigraph as ox

from kemi_graph import formats
from kemi_graph.namespaces import PREFIXES, Iris

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
ENTAILMENT_OWL_RDF_BASED = ox.NamedNode("http://www.w3.org/ns/entailment/OWL-RDF-Based")
PROFILE_OWL2_RL = ox.NamedNode("http://www.w3.org/ns/owl-profile/RL")
_ENDPOINT = ox.NamedNode("urn:kemi-graph:endpoint")
_VOID_DOC = ox.NamedNode("urn:kemi-graph:void")
_MAX_CACHED = 64


def _sd(local: str) -> ox.NamedNode:
    return ox.NamedNode(SD + local)


def _void(local: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + local)


class ServiceDescription:
    """The description of one store; ``serialize(endpoint, fmt)`` gives the bytes to send."""

    def __init__(self, store: ox.Store, base_iri: str, *, federation: bool) -> None:
        self.triples = list(_describe(store, Iris(base_iri), federation=federation))
        self._cache: dict[tuple[str, str, str], bytes] = {}
        self._lock = threading.Lock()

    def serialize(self, endpoint: str, void_iri: str, fmt: formats.Format) -> bytes:
        key = (endpoint, void_iri, fmt.name)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        swap = {_ENDPOINT: ox.NamedNode(endpoint), _VOID_DOC: ox.NamedNode(void_iri)}
        triples = [ox.Triple(swap.get(s, s), p, swap.get(o, o)) for s, p, o in self.triples]  # type: ignore[arg-type]
        prefixes = {"sd": SD, **PREFIXES} if fmt.name in formats.PREFIX_FORMATS else None
        body = ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
        with self._lock:
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            self._cache[key] = body
        return body


def _describe(store: ox.Store, iris: Iris, *, federation: bool) -> Iterable[ox.Triple]:
    T = ox.Triple
    service = _ENDPOINT
    yield T(service, RDF_TYPE, _sd("Service"))
    yield T(service, _sd("endpoint"), _ENDPOINT)
    yield T(service, _sd("supportedLanguage"), _sd("SPARQL11Query"))
    yield T(service, _sd("feature"), _sd("UnionDefaultGraph"))
    if federation:
        yield T(service, _sd("feature"), _sd("BasicFederatedQuery"))
    for fmt in formats.QUERY_RESULTS + formats.RDF:
        if fmt.iri:
            yield T(service, _sd("resultFormat"), ox.NamedNode(fmt.iri))

    counts = _graph_sizes(store)
    dataset = ox.BlankNode()
    yield T(service, _sd("defaultDataset"), dataset)
    yield T(dataset, RDF_TYPE, _sd("Dataset"))
    yield T(dataset, RDF_TYPE, _void("Dataset"))
    yield T(dataset, _void("sparqlEndpoint"), _ENDPOINT)
    yield T(dataset, RDFS_SEE_ALSO, _VOID_DOC)
    default_graph = ox.BlankNode()
    yield T(dataset, _sd("defaultGraph"), default_graph)
    yield T(default_graph, RDF_TYPE, _sd("Graph"))
    # With no dataset in the request the default graph is the union of all graphs.
    yield T(default_graph, _void("triples"), ox.Literal(str(counts.pop(None)), datatype=_XSD_INTEGER))
    for name in sorted(store.named_graphs(), key=lambda g: str(g)):
        if not isinstance(name, ox.NamedNode):
            continue
        named = ox.BlankNode()
        graph = ox.BlankNode()
        yield T(dataset, _sd("namedGraph"), named)
        yield T(named, RDF_TYPE, _sd("NamedGraph"))
        yield T(named, _sd("name"), name)
        yield T(named, _sd("graph"), graph)
        yield T(graph, RDF_TYPE, _sd("Graph"))
        yield T(graph, _void("triples"), ox.Literal(str(counts.get(name.value, 0)), datatype=_XSD_INTEGER))
        if _is_inferred_graph(name.value, iris):
            # The inferred graph holds what OWL 2 RL rules add: OWL RDF-Based semantics, RL profile.
            yield T(named, _sd("entailmentRegime"), ENTAILMENT_OWL_RDF_BASED)
            yield T(named, _sd("supportedEntailmentProfile"), PROFILE_OWL2_RL)


_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _is_inferred_graph(iri: str, iris: Iris) -> bool:
    """``{base}/graph/{m}/inferred`` (docs/data-model.md, named graphs)."""
    prefix = iris.graph_prefix
    rest = iri[len(prefix):] if iri.startswith(prefix) else ""
    parts = rest.split("/")
    return len(parts) == 2 and str(iris.municipality_graph(parts[0], "inferred")) == iri


def _graph_sizes(store: ox.Store) -> dict[str | None, int]:
    """Triples per named graph, and (key ``None``) in the union default graph."""
    sizes: dict[str | None, int] = {}
    for row in store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        sizes[row["g"].value] = int(row["n"].value)
    default = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", use_default_graph_as_union=True)
    sizes[None] = int(next(iter(default))["n"].value)
    return sizes
