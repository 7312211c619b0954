"""The only table of the formats kemi-graph serves, built on pyoxigraph's format types.

Media types, file extensions and the W3C format IRIs come from pyoxigraph's ``RdfFormat`` and
``QueryResultsFormat``; this module adds what they do not know: the short names accepted by
``?format=``, the extra media types clients send for the same format, and whether the media
type carries a ``charset`` parameter. Content negotiation, download links and the SPARQL
service description all read these tuples, so a format added here is offered everywhere.

No Flask here: the table is plain data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

# pyoxigraph names JSON-LD with an IRI outside the W3C formats namespace
# (https://www.w3.org/ns/formats/data/JSON-LD); the namespace lists http://www.w3.org/ns/formats/JSON-LD.
_W3C_FORMAT_IRI_FIXES = {"https://www.w3.org/ns/formats/data/JSON-LD": "http://www.w3.org/ns/formats/JSON-LD"}


@dataclass(frozen=True)
class Format:
    """One serialisation we serve.

    ``names`` are the values accepted by ``?format=`` (the first is canonical); ``aliases`` are
    other media types that clients use for the same format and that negotiation accepts.
    ``charset`` is True when the media type defines a charset parameter (``text/*`` and XML);
    JSON, N-Triples, N-Quads and TriG are UTF-8 by definition and get none.
    """

    names: tuple[str, ...]
    media_type: str
    label: str
    extension: str
    iri: str | None
    aliases: tuple[str, ...] = ()
    charset: bool = False
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value of a response in this format."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def supports_datasets(self) -> bool:
        return bool(self.rdf is not None and self.rdf.supports_datasets)


def _essence(media_type: str) -> str:
    """The media type without parameters (pyoxigraph writes CSV/TSV with '; charset=utf-8')."""
    return media_type.split(";", 1)[0].strip()


def _format(
    fmt: ox.QueryResultsFormat | ox.RdfFormat, names: tuple[str, ...], aliases: tuple[str, ...] = (), *, charset: bool
) -> Format:
    kind = {"results": fmt} if isinstance(fmt, ox.QueryResultsFormat) else {"rdf": fmt}
    return Format(
        names=names,
        media_type=_essence(fmt.media_type),
        label=fmt.name,
        extension=fmt.file_extension,
        iri=_W3C_FORMAT_IRI_FIXES.get(fmt.iri, fmt.iri),
        aliases=aliases,
        charset=charset,
        **kind,
    )


# SELECT and ASK results, in the server's order of preference.
RESULTS_JSON = _format(ox.QueryResultsFormat.JSON, ("json", "srj"), ("application/json",), charset=False)
RESULTS_XML = _format(ox.QueryResultsFormat.XML, ("xml", "srx"), ("application/xml", "text/xml"), charset=True)
RESULTS_CSV = _format(ox.QueryResultsFormat.CSV, ("csv",), charset=True)
RESULTS_TSV = _format(ox.QueryResultsFormat.TSV, ("tsv",), charset=True)

# Graphs (CONSTRUCT, DESCRIBE, the service description), in the server's order of preference.
# Turtle is a subset of N3: clients asking for N3 (SPARQLWrapper's format=n3) get Turtle.
TURTLE = _format(ox.RdfFormat.TURTLE, ("turtle", "ttl", "n3"), ("application/x-turtle", "text/n3", "text/rdf+n3"), charset=True)
N_TRIPLES = _format(ox.RdfFormat.N_TRIPLES, ("ntriples", "nt"), ("text/plain",), charset=False)
RDF_XML = _format(ox.RdfFormat.RDF_XML, ("rdfxml", "rdf", "xml", "rdf+xml"), ("application/xml", "text/xml"), charset=True)
JSON_LD = _format(ox.RdfFormat.JSON_LD, ("jsonld", "json-ld", "json"), ("application/json", "application/x-json+ld"), charset=False)

# Datasets (quads): dumps; a graph is also a dataset, so these serve CONSTRUCT results too.
TRIG = _format(ox.RdfFormat.TRIG, ("trig",), ("application/x-trig",), charset=False)
N_QUADS = _format(ox.RdfFormat.N_QUADS, ("nquads", "nq"), ("text/x-nquads",), charset=False)

# Pages for people: the query form and results rendered as HTML.
HTML = Format(
    names=("html",),
    media_type="text/html",
    label="HTML",
    extension="html",
    iri=None,
    aliases=("application/xhtml+xml",),
    charset=True,
)

QUERY_RESULTS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
GRAPH: tuple[Format, ...] = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD)
DATASET: tuple[Format, ...] = (TRIG, N_QUADS)
RDF: tuple[Format, ...] = GRAPH + DATASET
ALL: tuple[Format, ...] = QUERY_RESULTS + RDF + (HTML,)

# Prefixes are written only by the formats that have prefix declarations.
PREFIX_FORMATS = frozenset({TURTLE.name, TRIG.name, RDF_XML.name})


def by_name(name: str, candidates: Iterable[Format] = ALL) -> Format | None:
    """The candidate called ``name`` (a ``?format=`` name, file extension or media type), if any."""
    wanted = name.strip().lower()
    for fmt in candidates:
        if wanted in fmt.names or wanted == fmt.extension or wanted in fmt.media_types:
            return fmt
    return None


def for_rdf_file(path: str) -> ox.RdfFormat | None:
    """The RDF format of a data file, from its extension (``.ttl``, ``.nt``, ``.nq``, ``.trig``, ``.jsonld``, ``.rdf``...)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix in ("owl", "xml"):
        return ox.RdfFormat.RDF_XML
    if suffix == "json":
        return ox.RdfFormat.JSON_LD
    return ox.RdfFormat.from_extension(suffix) if suffix else None
