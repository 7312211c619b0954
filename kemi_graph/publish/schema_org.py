"""schema.org JSON-LD for search engines: a ``Dataset`` for the landing page, a ``DefinedTerm`` per strategy element.

Plain dicts, no Flask: the templates embed them with Jinja's ``tojson`` (which escapes ``<``,
``>``, ``&`` and ``'``), in a ``<script type="application/ld+json">`` data block. The Dataset is
read from the description graph (``{base}/graph/description``), so the page says exactly what
the DCAT/VoID description says; a store without that graph gets no Dataset markup.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from kemi_graph.namespaces import KG, PREFIXES
from kemi_graph.publish.description import DCAT, DCT, FOAF, IANA, description_graph, dataset_iri

SKOS = PREFIXES["skos"]
RDF_TYPE = PREFIXES["rdf"] + "type"
ELEMENT_CLASSES = {str(KG) + name for name in ("StrategicGoal", "Objective", "Action", "Indicator", "Result")}
CONTEXT = "https://schema.org/"


def _index(store: ox.Store, graph: str) -> dict[str, dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]]]:
    index: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        index[str(quad.subject.value) if isinstance(quad.subject, ox.NamedNode) else str(quad.subject)][quad.predicate.value].append(quad.object)
    return index


def _text(values: list[Any], lang: str) -> str | None:
    tagged = sorted(v.value for v in values if isinstance(v, ox.Literal) and v.language == lang)
    return tagged[0] if tagged else None


def _one(values: list[Any]) -> str | None:
    return sorted(v.value for v in values)[0] if values else None


def dataset(store: ox.Store, base_iri: str) -> dict[str, Any] | None:
    """The landing page's schema.org ``Dataset``, from the description graph (None without one)."""
    index = _index(store, description_graph(base_iri))
    iri = dataset_iri(base_iri)
    about = index.get(iri)
    if not about:
        return None
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": iri,
        "name": _text(about[DCT + "title"], "en") or _text(about[DCT + "title"], "fi"),
        "alternateName": _text(about[DCT + "title"], "fi"),
        "description": _text(about[DCT + "description"], "en") or _text(about[DCT + "description"], "fi"),
        "url": _one(about[DCAT + "landingPage"]),
        "inLanguage": ["fi", "en"],
        "license": _one(about[DCT + "license"]),
        "isAccessibleForFree": True,
        "keywords": sorted({v.value for v in about[DCAT + "keyword"] if isinstance(v, ox.Literal)}),
        "datePublished": _one(about[DCT + "issued"]),
        "dateModified": _one(about[DCT + "modified"]),
    }
    publisher = _one(about[DCT + "publisher"])
    if publisher:
        agent = index.get(publisher, {})
        names = agent.get(FOAF + "name", [])
        data["publisher"] = {"@type": "Organization", "@id": publisher, "name": _text(names, "fi") or _text(names, "en") or _one(names)}
        data["creator"] = data["publisher"]
    places = []
    for area in sorted(v.value for v in about[DCT + "spatial"]):
        labels = index.get(area, {}).get(SKOS + "prefLabel", [])
        places.append({"@type": "Place", "@id": area, "name": _text(labels, "fi") or _text(labels, "en") or _one(labels)})
    if places:
        data["spatialCoverage"] = places if len(places) > 1 else places[0]
    periods = []
    for period in sorted(v.value for v in about[DCT + "temporal"]):
        start, end = _one(index.get(period, {}).get(DCAT + "startDate", [])), _one(index.get(period, {}).get(DCAT + "endDate", []))
        periods.append(f"{start or '..'}/{end or '..'}")
    if periods:
        data["temporalCoverage"] = periods if len(periods) > 1 else periods[0]
    downloads = []
    for node in sorted(v.value for v in about[DCAT + "distribution"]):
        dist = index.get(node, {})
        url = _one(dist.get(DCAT + "downloadURL", []))
        if not url:
            continue
        media = _one(dist.get(DCAT + "mediaType", [])) or ""
        entry = {"@type": "DataDownload", "contentUrl": url, "encodingFormat": media.removeprefix(IANA)}
        size = _one(dist.get(DCAT + "byteSize", []))
        if size:
            entry["contentSize"] = f"{size} B"
        downloads.append(entry)
    data["distribution"] = downloads
    catalogs = sorted(s for s, about_s in index.items() if any(getattr(o, "value", None) == iri for o in about_s.get(DCAT + "dataset", [])))
    if catalogs:
        titles = index[catalogs[0]].get(DCT + "title", [])
        data["includedInDataCatalog"] = {"@type": "DataCatalog", "@id": catalogs[0], "name": _text(titles, "en") or _text(titles, "fi")}
    return {key: value for key, value in data.items() if value not in (None, [], "")}


def defined_term(store: ox.Store, iri: str) -> dict[str, Any] | None:
    """A strategy element's schema.org ``DefinedTerm`` (None for any other resource)."""
    subject = ox.NamedNode(iri)
    about: dict[str, list[Any]] = defaultdict(list)
    for quad in store.quads_for_pattern(subject, None, None, None):
        about[quad.predicate.value].append(quad.object)
    types = {v.value for v in about[RDF_TYPE] if isinstance(v, ox.NamedNode)}
    if not types & ELEMENT_CLASSES:
        return None
    labels = about[SKOS + "prefLabel"]
    names = [{"@language": lang, "@value": text} for lang in ("fi", "en") if (text := _text(labels, lang))]
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "DefinedTerm",
        "@id": iri,
        "url": iri,
        "name": names,
        "additionalType": sorted(types & ELEMENT_CLASSES),
    }
    notation = _one(about[SKOS + "notation"])
    if notation:
        data["termCode"] = notation
    schemes = sorted({v.value for v in about[str(KG) + "plan"] + about[SKOS + "inScheme"] if isinstance(v, ox.NamedNode)})
    if schemes:
        scheme_labels: list[Any] = []
        for quad in store.quads_for_pattern(ox.NamedNode(schemes[0]), ox.NamedNode(SKOS + "prefLabel"), None, None):
            scheme_labels.append(quad.object)
        data["inDefinedTermSet"] = {
            "@type": "DefinedTermSet",
            "@id": schemes[0],
            "name": _text(scheme_labels, "fi") or _text(scheme_labels, "en") or schemes[0],
        }
    return data
