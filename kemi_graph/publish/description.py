"""The dataset's description: DCAT-AP (catalogue, dataset, distributions) and VoID (counts, partitions, linksets).

:func:`describe` takes the data graphs and the files written from them and returns the
description as quads in graph ``{base}/graph/description``. Every count is computed from the
quads it describes, so it equals what the SPARQL endpoint answers over the same graphs; the
description graph itself is not among them (its counts would describe themselves).

IRIs (no blank nodes, so the description is stable and every node can be looked up):

=========================================  ==================================================
``{base}/catalog``                         dcat:Catalog
``{base}/dataset``                         dcat:Dataset, void:Dataset (a release: ``{base}/dataset/{version}``)
``{dataset}/graph/{graph}``                one named graph: void:subset, dct:hasPart (``sd:name`` the graph IRI)
``{dataset}/distribution/{file}``          dcat:Distribution of one file (``…/checksum``: spdx:Checksum)
``{dataset}/distribution/sparql``          the SPARQL endpoint as a distribution
``{dataset}/class/{prefix-Local}``         void:classPartition
``{dataset}/property/{prefix-Local}``      void:propertyPartition
``{dataset}/linkset/{prefix-Local}``       void:Linkset to the UN SDG KOS, one a link predicate
``{dataset}/contact``                      vcard:Kind, the contact point
``{dataset}/period/{slug}``                dct:PeriodOfTime of a reporting period
``{base}/id/{m}/area``                     dct:Location, the municipality's area
=========================================  ==================================================

``void:triples`` of the dataset counts quads (a triple stated in two graphs counts twice), the
same as ``SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }`` without the description graph.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kemi_graph.config import Settings
from kemi_graph.errors import ConfigError
from kemi_graph.namespaces import PREFIXES, SDG, SDG_SCHEME
from kemi_graph.publish.dumps import Download, graph_file_stem
from kemi_graph.publish.stats import Stats, part_stats

DCAT = "http://www.w3.org/ns/dcat#"
DCT = PREFIXES["dct"]
VOID = PREFIXES["void"]
FOAF = PREFIXES["foaf"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
XSD = PREFIXES["xsd"]
OWL = PREFIXES["owl"]
TIME = PREFIXES["time"]
SD = "http://www.w3.org/ns/sparql-service-description#"
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ADMS = "http://www.w3.org/ns/adms#"
DCATAP = "http://data.europa.eu/r5r/"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"

LICENCE = "https://creativecommons.org/licenses/by/4.0/"
EU_LICENCE = EU + "licence/CC_BY_4_0"
THEMES = (EU + "data-theme/GOVE", EU + "data-theme/SOCI", EU + "data-theme/HEAL")
THEME_TAXONOMY = EU + "data-theme"
LANGUAGES = (EU + "language/FIN", EU + "language/ENG")
FILE_TYPES = {
    "application/n-quads": "RDF_N_QUADS",
    "application/trig": "RDF_TRIG",
    "application/ld+json": "JSON_LD",
    "text/turtle": "RDF_TURTLE",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
    "text/csv": "CSV",
}
KEYWORDS = {
    "fi": ("kuntastrategia", "strategia", "seuranta", "kestävä kehitys", "Agenda 2030", "hyvinvointi", "linkitetty data", "SPARQL"),
    "en": ("municipal strategy", "strategy", "follow-up", "sustainable development", "Agenda 2030", "welfare", "linked data", "SPARQL"),
}
TITLES = {
    "fi": "Kuntastrategia ja sen seuranta linkitettynä datana",
    "en": "Municipal strategy and its follow-up as linked data",
}
DESCRIPTIONS = {
    "fi": (
        "Kunnan strategia, sen toimeenpanosuunnitelmat ja niiden vuosittainen seuranta validoituna ja päättelyllä "
        "täydennettynä tietograafina, joka on linkitetty YK:n kestävän kehityksen tavoitteisiin (SDG). Kaupungin oma "
        "teksti on sanatarkka ja jäljitettävissä lähdeasiakirjaan; käännökset, tavoitetasot ja tilat ovat projektin "
        "tulkintaa omassa nimetyssä graafissaan."
    ),
    "en": (
        "A municipality's strategy, its implementation plans and their yearly follow-up as a validated, reasoned "
        "knowledge graph linked to the UN Sustainable Development Goals (SDGs). The city's own text is verbatim and "
        "traceable to the source document; translations, targets and statuses are the project's interpretation, in "
        "a named graph of their own."
    ),
}
# What each named graph holds, by the end of its IRI ({base}/graph/...).
GRAPH_TEXTS: dict[str, tuple[str, str]] = {
    "city": ("kaupungin omat lausumat sanatarkasti lähdesijainteineen", "the city's own statements, verbatim, with their source locations"),
    "interpretation": ("projektin tulkinta: käännökset, tavoitteet, luvut ja tilat", "the project's reading: translations, targets, numbers, statuses"),
    "inferred": ("OWL 2 RL -päättelyn lisäämät triplat", "the triples OWL 2 RL reasoning adds"),
    "suggested": ("projektin ehdottamat SDG-linkit pisteineen", "SDG links suggested by the project, with their scores"),
    "ontology": ("kemi-graph-ontologia ja lainatut aksioomat", "the kemi-graph ontology and the axioms it borrows"),
    "sdg-goals": ("YK:n 17 kestävän kehityksen tavoitetta", "the 17 UN Sustainable Development Goals"),
    "data-sources": ("kansalliset tietolähteet, joihin mittarit nojaavat", "national data sources the indicators rely on"),
    "un-sdg-kos": ("YK:n SDG-sanasto (UN SDG KOS)", "the UN SDG vocabulary (UN SDG KOS)"),
}
# Prefixes of the description's Turtle.
DESCRIPTION_PREFIXES = {**PREFIXES, "dcat": DCAT, "sd": SD, "spdx": SPDX, "vcard": VCARD, "adms": ADMS, "dcatap": DCATAP}


def description_graph(base_iri: str) -> str:
    return f"{base_iri}/graph/description"


def dataset_iri(base_iri: str, version: str | None = None) -> str:
    return f"{base_iri}/dataset" + (f"/{version}" if version else "")


@dataclass(frozen=True)
class Publication:
    """Where the described files are and which dataset (version) they are."""

    download_base: str  # the URL the file names are appended to, ending in '/'
    version: str | None = None  # a release's version; None: the current build
    previous: str | None = None  # the release before it


# ---------------------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------------------


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(value: str | int, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(str(value), language=lang)
    if datatype:
        return ox.Literal(str(value), datatype=_n(datatype))
    return ox.Literal(str(value))


def _int(value: int, datatype: str = XSD + "integer") -> ox.Literal:
    return _lit(value, datatype=datatype)


_LOCAL = re.compile(r"[A-Za-z0-9_.\-]+")


def term_slug(iri: str) -> str:
    """A readable, unique path segment for a term: ``kg-Objective``; a hash when no prefix fits."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    local = iri[len(PREFIXES[best]):] if best else ""
    if best and _LOCAL.fullmatch(local):
        return f"{best}-{local}"
    return "h-" + hashlib.sha256(iri.encode("utf-8")).hexdigest()[:16]


_REGEX_SYNTAX = re.compile(r"[\\^$.*+?()\[\]{}|]")


def regex_literal(text: str) -> str:
    """``text`` as a regex matching itself, in both Python and JavaScript Unicode (``u``) regexes.

    ``re.escape`` also escapes ``-``, which a JavaScript ``u`` regex rejects (Comunica reads
    ``void:uriRegexPattern`` that way); only the syntax characters both share are escaped here.
    """
    return _REGEX_SYNTAX.sub(lambda m: "\\" + m.group(0), text)


def namespace_of(iri: str) -> str:
    """The vocabulary an IRI belongs to: a known prefix's namespace, else up to the last '#' or '/'."""
    known = [ns for ns in PREFIXES.values() if iri.startswith(ns)]
    if known:
        return max(known, key=len)
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def graph_kind(graph_iri: str) -> str:
    rest = graph_iri.split("/graph/", 1)[-1]
    return rest if rest in GRAPH_TEXTS else rest.rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------
# The description
# ---------------------------------------------------------------------------------------


def describe(quads: Sequence[ox.Quad], downloads: Sequence[Download], settings: Settings, publication: Publication) -> list[ox.Quad]:
    """The DCAT-AP/VoID description of ``quads`` (taken as one part) and ``downloads``, as sorted quads of the description graph."""
    return describe_stats(part_stats(quads, settings.base_iri), downloads, settings, publication)


def describe_stats(stats: Stats, downloads: Sequence[Download], settings: Settings, publication: Publication) -> list[ox.Quad]:
    """The DCAT-AP/VoID description of the data ``stats`` counts (kemi_graph.publish.stats) and of ``downloads``."""
    if settings_email(settings) is None and settings.contact_email.strip():
        raise ConfigError(f"contact_email: {settings.contact_email!r} is not an e-mail address")
    base = settings.base_iri
    municipalities, periods = stats.municipality_rows(), stats.period_rows()
    issued, modified = (stats.dates[0], stats.dates[1]) if stats.dates else (None, None)
    triples: set[ox.Triple] = set()

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        triples.add(ox.Triple(_n(s), _n(p), _n(o) if isinstance(o, str) else o))

    def texts(s: str, p: str, values: dict[str, str]) -> None:
        for lang, text in values.items():
            add(s, p, _lit(text, lang))

    catalog = f"{base}/catalog"
    # A release's files never change; the current build's are replaced by the next build.
    availability = EU + "planned-availability/" + ("STABLE" if publication.version else "AVAILABLE")
    dataset = dataset_iri(base, publication.version)
    endpoint = f"{base}/sparql"
    names = {lang: ", ".join(labels.get(lang) or labels.get("fi") or labels.get("") or code for _, code, labels in municipalities) for lang in ("fi", "en")}
    title = {lang: TITLES[lang] + (f": {names[lang]}" if names[lang] else "") for lang in ("fi", "en")}
    if publication.version:
        title = {lang: f"{text} ({publication.version})" for lang, text in title.items()}

    # Catalogue (what a CKAN/DCAT-AP harvester starts from).
    add(catalog, RDF + "type", DCAT + "Catalog")
    texts(catalog, DCT + "title", {"fi": "kemi-graph: " + TITLES["fi"].lower(), "en": "kemi-graph: " + TITLES["en"].lower()})
    texts(catalog, DCT + "description", DESCRIPTIONS)
    add(catalog, DCAT + "dataset", dataset)
    add(catalog, DCAT + "service", endpoint)
    add(catalog, FOAF + "homepage", f"{base}/")
    add(catalog, DCT + "license", LICENCE)
    for language in LANGUAGES:
        add(catalog, DCT + "language", language)
    add(catalog, DCAT + "themeTaxonomy", THEME_TAXONOMY)
    if issued:
        add(catalog, DCT + "issued", _lit(issued, datatype=XSD + "date"))
    if modified:
        add(catalog, DCT + "modified", _lit(modified, datatype=XSD + "date"))

    # Publisher: the municipality when there is one, else the project.
    if len(municipalities) == 1:
        publisher, code, labels = municipalities[0]
        if code:
            add(publisher, DCT + "identifier", _lit(code))
    else:
        publisher, labels = f"{base}/publisher", {"": "kemi-graph"}
    add(publisher, RDF + "type", FOAF + "Agent")
    add(publisher, RDF + "type", FOAF + "Organization")
    for lang, text in sorted(labels.items()):
        add(publisher, FOAF + "name", _lit(text, lang or None))
    add(publisher, DCT + "type", "http://purl.org/adms/publishertype/LocalAuthority")
    add(catalog, DCT + "publisher", publisher)

    # The dataset.
    for kind in (DCAT + "Dataset", VOID + "Dataset"):
        add(dataset, RDF + "type", kind)
    texts(dataset, DCT + "title", title)
    texts(dataset, DCT + "description", DESCRIPTIONS)
    add(dataset, DCT + "license", LICENCE)
    add(dataset, DCT + "accessRights", EU + "access-right/PUBLIC")
    add(dataset, DCT + "accrualPeriodicity", EU + "frequency/ANNUAL")
    add(dataset, DCAT + "landingPage", f"{base}/")
    add(dataset, FOAF + "homepage", f"{base}/")
    for language in LANGUAGES:
        add(dataset, DCT + "language", language)
    add(dataset, DCT + "conformsTo", "https://w3id.org/kemi-graph/ontology")
    if issued:
        add(dataset, DCT + "issued", _lit(issued, datatype=XSD + "date"))
    if modified:
        add(dataset, DCT + "modified", _lit(modified, datatype=XSD + "date"))
    if publication.version:
        add(dataset, DCT + "isVersionOf", dataset_iri(base))
        add(dataset, DCAT + "version", _lit(publication.version))
        add(dataset, OWL + "versionInfo", _lit(publication.version))
        add(dataset_iri(base), DCAT + "hasVersion", dataset)
        if publication.previous:
            add(dataset, DCAT + "previousVersion", dataset_iri(base, publication.previous))
            add(dataset, ADMS + "prev", dataset_iri(base, publication.previous))

    contact = f"{dataset}/contact"

    def about(node: str) -> None:
        """Who publishes ``node`` (the dataset, a graph of it, the endpoint), whom to ask, and its subject."""
        add(node, DCT + "publisher", publisher)
        add(node, DCAT + "contactPoint", contact)
        for lang, words in KEYWORDS.items():
            for word in words:
                add(node, DCAT + "keyword", _lit(word, lang))
        for theme in THEMES:
            add(node, DCAT + "theme", theme)

    about(dataset)
    add(contact, RDF + "type", VCARD + "Kind")
    add(contact, RDF + "type", VCARD + "Organization")
    add(contact, VCARD + "fn", _lit("kemi-graph"))
    add(contact, VCARD + "hasURL", f"{base}/")
    email = settings_email(settings)
    if email:
        add(contact, VCARD + "hasEmail", "mailto:" + email)

    areas = {municipality: f"{municipality}/area" for municipality, _, _ in municipalities}
    for area in areas.values():
        add(catalog, DCT + "spatial", area)
    for municipality, code, labels in municipalities:
        area = areas[municipality]
        add(dataset, DCT + "spatial", area)
        add(area, RDF + "type", DCT + "Location")
        for lang, text in sorted(labels.items()):
            add(area, SKOS + "prefLabel", _lit(text, lang or None))
        if code:
            add(area, DCT + "identifier", _lit(code))
        add(area, RDFS + "seeAlso", municipality)
    period_nodes = [f"{dataset}/period/{period.rstrip('/').rsplit('/', 1)[-1]}" for period, *_ in periods]
    for node, (period, start, end, labels) in zip(period_nodes, periods):
        add(dataset, DCT + "temporal", node)
        add(node, RDF + "type", DCT + "PeriodOfTime")
        add(node, RDFS + "seeAlso", period)
        if start:
            add(node, DCAT + "startDate", _lit(start, datatype=XSD + "date"))
        if end:
            add(node, DCAT + "endDate", _lit(end, datatype=XSD + "date"))
        for lang, text in sorted(labels.items()):
            add(node, RDFS + "label", _lit(text, lang or None))

    # The licence, once.
    add(LICENCE, RDF + "type", DCT + "LicenseDocument")
    add(LICENCE, DCT + "title", _lit("Creative Commons Attribution 4.0 International (CC BY 4.0)", "en"))
    add(LICENCE, DCT + "identifier", _lit("CC-BY-4.0"))
    add(LICENCE, DCT + "type", "http://purl.org/adms/licencetype/Attribution")
    add(LICENCE, OWL + "sameAs", EU_LICENCE)

    # The SPARQL endpoint: a data service, and a distribution through it.
    add(endpoint, RDF + "type", DCAT + "DataService")
    texts(endpoint, DCT + "title", {"fi": "SPARQL 1.1 -rajapinta", "en": "SPARQL 1.1 endpoint"})
    add(endpoint, DCAT + "endpointURL", endpoint)
    add(endpoint, DCAT + "endpointDescription", endpoint)
    add(endpoint, DCAT + "servesDataset", dataset)
    add(endpoint, DCT + "conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
    add(endpoint, DCT + "license", LICENCE)
    about(endpoint)
    add(dataset, VOID + "sparqlEndpoint", endpoint)
    sparql_distribution = f"{dataset}/distribution/sparql"
    add(dataset, DCAT + "distribution", sparql_distribution)
    add(sparql_distribution, RDF + "type", DCAT + "Distribution")
    texts(sparql_distribution, DCT + "title", {"fi": "SPARQL-kyselyt", "en": "SPARQL queries"})
    texts(
        sparql_distribution,
        DCT + "description",
        {
            "fi": "Koko aineisto SPARQL 1.1 -rajapinnan kautta; vastaukset SPARQL-tulosmuodoissa ja RDF-muodoissa.",
            "en": "The whole dataset through the SPARQL 1.1 endpoint; answers in the SPARQL result formats and RDF formats.",
        },
    )
    add(sparql_distribution, DCT + "format", EU + "file-type/SPARQLQRES")
    add(sparql_distribution, DCATAP + "availability", availability)
    add(sparql_distribution, DCAT + "accessURL", endpoint)
    add(sparql_distribution, DCAT + "accessService", endpoint)
    add(sparql_distribution, DCT + "license", LICENCE)

    # Named graphs as subsets, with their counts.
    per_graph = stats.graphs
    subsets: dict[str, str] = {}
    for graph, count in sorted(per_graph.items()):
        subset = f"{dataset}/graph/{graph_file_stem(graph)}"
        subsets[graph] = subset
        fi, en = GRAPH_TEXTS.get(graph_kind(graph), (f"nimetty graafi {graph}", f"named graph {graph}"))
        for kind in (DCAT + "Dataset", VOID + "Dataset", SD + "NamedGraph"):
            add(subset, RDF + "type", kind)
        add(subset, SD + "name", graph)
        texts(subset, DCT + "title", {"fi": f"{title['fi']}: {fi}", "en": f"{title['en']}: {en}"})
        texts(subset, DCT + "description", {"fi": f"Nimetty graafi {graph}: {fi}.", "en": f"Named graph {graph}: {en}."})
        add(subset, DCT + "license", LICENCE)
        about(subset)
        # A municipality's graphs ({base}/graph/{m}/...) cover its area and the reporting periods;
        # the shared graphs (ontology, SDG goals, data sources) have no place or period (docs/publishing.md).
        owner_area = areas.get(f"{base}/id/" + graph[len(f"{base}/graph/"):].split("/", 1)[0])
        if owner_area and "/" in graph[len(f"{base}/graph/"):]:
            add(subset, DCT + "spatial", owner_area)
            for node in period_nodes:
                add(subset, DCT + "temporal", node)
        add(subset, DCT + "isPartOf", dataset)
        add(subset, VOID + "triples", _int(count))
        add(subset, VOID + "sparqlEndpoint", endpoint)
        add(dataset, VOID + "subset", subset)
        add(dataset, DCT + "hasPart", subset)

    # Files.
    for download in downloads:
        owner = subsets.get(download.graph, dataset) if download.graph else dataset
        node = f"{dataset}/distribution/{download.name}"
        url = publication.download_base + download.name
        add(owner, DCAT + "distribution", node)
        if download.triples is not None:
            add(owner, VOID + "dataDump", url)
        add(node, RDF + "type", DCAT + "Distribution")
        texts(node, DCT + "title", {"fi": _file_title(download, "fi"), "en": _file_title(download, "en")})
        texts(node, DCT + "description", {lang: _file_description(download, lang) for lang in ("fi", "en")})
        add(node, DCATAP + "availability", availability)
        add(node, DCAT + "accessURL", url)
        add(node, DCAT + "downloadURL", url)
        add(node, DCAT + "mediaType", IANA + download.media_type)
        if download.media_type in FILE_TYPES:
            add(node, DCT + "format", EU + "file-type/" + FILE_TYPES[download.media_type])
        if download.compressed:
            add(node, DCAT + "compressFormat", IANA + "application/gzip")
        add(node, DCAT + "byteSize", _int(download.size, XSD + "decimal"))  # DCAT-AP 3.0.0 asks for exactly xsd:decimal
        add(node, DCT + "license", LICENCE)
        if modified:
            add(node, DCT + "modified", _lit(modified, datatype=XSD + "date"))
        checksum = f"{node}/checksum"
        add(node, SPDX + "checksum", checksum)
        add(checksum, RDF + "type", SPDX + "Checksum")
        add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        add(checksum, SPDX + "checksumValue", _lit(download.sha256, datatype=XSD + "hexBinary"))
        if download.triples is not None:
            add(node, VOID + "triples", _int(download.triples))

    # VoID statistics of the whole dataset.
    add(dataset, VOID + "triples", _int(stats.quads))
    add(dataset, VOID + "distinctSubjects", _int(len(stats.subjects)))
    add(dataset, VOID + "distinctObjects", _int(len(stats.objects)))
    add(dataset, VOID + "uriSpace", _lit(f"{base}/id/"))
    add(dataset, VOID + "uriRegexPattern", _lit("^" + regex_literal(f"{base}/id/")))
    add(dataset, VOID + "feature", "http://www.w3.org/ns/formats/N-Quads")
    add(dataset, VOID + "feature", "http://www.w3.org/ns/formats/TriG")
    add(dataset, VOID + "feature", "http://www.w3.org/ns/formats/Turtle")
    add(dataset, VOID + "feature", "http://www.w3.org/ns/formats/JSON-LD")
    if stats.example:
        add(dataset, VOID + "exampleResource", stats.example)
    instances, properties = stats.classes, stats.properties
    add(dataset, VOID + "classes", _int(len(instances)))
    add(dataset, VOID + "properties", _int(len(properties)))
    for cls, members in sorted(instances.items()):
        partition = f"{dataset}/class/{term_slug(cls)}"
        add(dataset, VOID + "classPartition", partition)
        add(partition, RDF + "type", VOID + "Dataset")
        add(partition, VOID + "class", cls)
        add(partition, VOID + "entities", _int(len(members)))
    for prop, count in sorted(properties.items()):
        partition = f"{dataset}/property/{term_slug(prop)}"
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, RDF + "type", VOID + "Dataset")
        add(partition, VOID + "property", prop)
        add(partition, VOID + "triples", _int(count))
    for vocabulary in sorted({namespace_of(iri) for iri in (*properties, *instances)}):
        add(dataset, VOID + "vocabulary", vocabulary)

    # Linksets: links from our resources ({base}/id/...) to the UN SDG KOS, one per predicate.
    links = stats.links
    if links:
        kos = str(SDG_SCHEME)
        add(kos, RDF + "type", VOID + "Dataset")
        add(kos, DCT + "title", _lit("UN SDG KOS: Sustainable Development Goals Knowledge Organization System", "en"))
        add(kos, VOID + "uriSpace", _lit(str(SDG)))
        add(kos, FOAF + "homepage", "https://metadata.un.org/sdg/")
    for predicate, count in sorted(links.items()):
        linkset = f"{dataset}/linkset/{term_slug(predicate)}"
        add(linkset, RDF + "type", VOID + "Linkset")
        add(linkset, VOID + "subjectsTarget", dataset)
        add(linkset, VOID + "objectsTarget", str(SDG_SCHEME))
        add(linkset, VOID + "linkPredicate", predicate)
        add(linkset, VOID + "triples", _int(count))
        add(dataset, VOID + "subset", linkset)

    graph = _n(description_graph(base))
    return sorted((ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples), key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))


def settings_email(settings: Settings) -> str | None:
    """The contact e-mail setting, if it is one (``None`` when unset or malformed)."""
    email = settings.contact_email.strip()
    if email.startswith("mailto:"):
        email = email[len("mailto:"):]
    return email if re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", email) else None


def _file_title(download: Download, lang: str) -> str:
    what = {
        "fi": f"taulukko {download.table}" if download.table else (f"graafi {graph_file_stem(download.graph)}" if download.graph else "koko aineisto"),
        "en": f"table {download.table}" if download.table else (f"graph {graph_file_stem(download.graph)}" if download.graph else "the whole dataset"),
    }[lang]
    packed = {"fi": ", gzip-pakattu", "en": ", gzip-compressed"}[lang] if download.compressed else ""
    return f"{what} ({download.label}{packed})"


def _file_description(download: Download, lang: str) -> str:
    if download.table:
        return {
            "fi": f"Taulukko {download.table} graafista koottuna taulukkolaskentaa ja analyysiä varten ({download.label}).",
            "en": f"The table {download.table}, derived from the graph, for spreadsheets and analysis ({download.label}).",
        }[lang]
    count = {"fi": f", {download.triples} triplaa", "en": f", {download.triples} triples"}[lang] if download.triples is not None else ""
    return {
        "fi": f"RDF-tiedosto ({download.label}{count}); tarkista se SHA-256-tarkisteella.",
        "en": f"An RDF file ({download.label}{count}); check it with its SHA-256 checksum.",
    }[lang]


def triples_of(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    return [q.triple for q in quads]



# ---------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------

SHAPES_FILE = "dataset-shapes.ttl"


def to_rdflib(quads: Iterable[ox.Quad]) -> Any:
    """The quads' triples as an rdflib Graph (for pyshacl)."""
    from kemi_graph.pipeline.load import new_graph

    graph = new_graph()
    data = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def validate_description(quads: Sequence[ox.Quad]) -> Any:
    """Check the description against ``ontology/dataset-shapes.ttl`` (the DCAT-AP mandatory fields and ours)."""
    from kemi_graph.pipeline.load import parse_rdf
    from kemi_graph.pipeline.validate import validate
    from kemi_graph.resources import ontology_dir

    return validate(to_rdflib(quads), parse_rdf(ontology_dir() / SHAPES_FILE))
