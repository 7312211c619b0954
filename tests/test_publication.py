"""Open-data publication: the DCAT/VoID description, the dumps, releases, ontology negotiation, search engines.

One app over the session's full build (``built_settings``) serves most tests; releases are
written from the build's ``dataset.nq`` into ``tmp_path`` (no rebuild).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib import RDF, Literal, Namespace, URIRef

from kemi_graph.config import Settings
from kemi_graph.errors import InputError
from kemi_graph.publish import description as desc
from kemi_graph.publish.dumps import CHECKSUMS, read_index, read_nquads
from kemi_graph.publish.release import CHANGELOG, CHANGES, RELEASE_INFO, write_release

BASE = "https://w3id.org/kemi-graph"
GOAL = "/id/kemi/kaupunkistrategia/goal/elinvoimainen-kaupunki"
DESCRIPTION_GRAPH = f"{BASE}/graph/description"
DCAT = Namespace(desc.DCAT)
DCT = Namespace(desc.DCT)
VOID = Namespace(desc.VOID)
SPDX = Namespace(desc.SPDX)
SD = Namespace(desc.SD)
SKOS_PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def void(app: Any) -> rdflib.Graph:
    response = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    return rdflib.Graph().parse(data=response.data, format="turtle")


@pytest.fixture(scope="module")
def data_quads(built_settings: Settings) -> list[ox.Quad]:
    return read_nquads(built_settings.dist_dir / "dataset.nq", exclude=(DESCRIPTION_GRAPH,))


def _select(client: Any, sparql: str) -> list[dict[str, str]]:
    response = client.get("/sparql", query_string={"query": sparql}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [{k: v["value"] for k, v in row.items()} for row in response.get_json()["results"]["bindings"]]


def _int(graph: rdflib.Graph, subject: Any, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)
    assert value is not None, f"{subject} has no {predicate}"
    return int(value)


def _local(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return url[len(BASE):]


# ---------------------------------------------------------------------------------------
# The description
# ---------------------------------------------------------------------------------------


def test_description_conforms_to_the_dataset_shapes(void: rdflib.Graph) -> None:
    shapes = rdflib.Graph().parse(REPO / "ontology" / "dataset-shapes.ttl")
    conforms, _, text = pyshacl.validate(void, shacl_graph=shapes, inference="none")
    assert conforms, text


def test_description_has_the_dcat_ap_fields(void: rdflib.Graph) -> None:
    dataset = URIRef(f"{BASE}/dataset")
    assert (URIRef(f"{BASE}/catalog"), DCAT.dataset, dataset) in void
    titles = {t.language for t in void.objects(dataset, DCT.title)}
    assert titles == {"fi", "en"}
    assert {d.language for d in void.objects(dataset, DCT.description)} == {"fi", "en"}
    assert void.value(dataset, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert void.value(dataset, DCT.publisher) == URIRef(f"{BASE}/id/kemi")
    assert void.value(dataset, DCAT.contactPoint) is not None
    assert len(set(void.objects(dataset, DCAT.keyword))) >= 4
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE") in set(void.objects(dataset, DCAT.theme))
    assert void.value(dataset, DCT.spatial) == URIRef(f"{BASE}/id/kemi/area")
    period = void.value(dataset, DCT.temporal)
    assert (str(void.value(period, DCAT.startDate)), str(void.value(period, DCAT.endDate))) == ("2023-01-01", "2023-12-31")
    assert void.value(dataset, DCT.issued) is not None and void.value(dataset, DCT.modified) is not None
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(f"{BASE}/sparql")
    assert URIRef("https://w3id.org/kemi-graph/ontology#") in set(void.objects(dataset, VOID.vocabulary))
    assert set(void.objects(dataset, VOID.dataDump)) >= {URIRef(f"{BASE}/downloads/dataset.nq.gz")}


def test_description_counts_equal_what_the_endpoint_answers(client: Any, void: rdflib.Graph) -> None:
    dataset = URIRef(f"{BASE}/dataset")
    not_description = f"FILTER(?g != <{DESCRIPTION_GRAPH}>)"
    total = _select(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {not_description} }}")
    assert _int(void, dataset, VOID.triples) == int(total[0]["n"])

    per_graph = {r["g"]: int(r["n"]) for r in _select(client, f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {not_description} }} GROUP BY ?g")}
    stated = {str(void.value(s, SD.name)): _int(void, s, VOID.triples) for s in void.objects(dataset, VOID.subset) if void.value(s, SD.name)}
    assert stated == per_graph

    classes = {r["c"]: int(r["n"]) for r in _select(client, f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {not_description} FILTER(isIRI(?c)) }} GROUP BY ?c")}
    partitions = {str(void.value(p, VOID["class"])): _int(void, p, VOID.entities) for p in void.objects(dataset, VOID.classPartition)}
    assert partitions == classes
    assert _int(void, dataset, VOID.classes) == len(classes)

    properties = {r["p"]: int(r["n"]) for r in _select(client, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {not_description} }} GROUP BY ?p")}
    partitions = {str(void.value(p, VOID.property)): _int(void, p, VOID.triples) for p in void.objects(dataset, VOID.propertyPartition)}
    assert partitions == properties


def test_linkset_to_the_un_sdg_kos_counts_the_links(client: Any, void: rdflib.Graph) -> None:
    linksets = {str(void.value(ls, VOID.linkPredicate)): ls for ls in void.subjects(RDF.type, VOID.Linkset)}
    sdg = "https://w3id.org/kemi-graph/ontology#sdg"
    assert sdg in linksets
    assert void.value(linksets[sdg], VOID.objectsTarget) == URIRef("http://metadata.un.org/sdg")
    rows = _select(
        client,
        f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{sdg}> ?o }}
            FILTER(?g != <{DESCRIPTION_GRAPH}> && STRSTARTS(STR(?s), "{BASE}/id/") && STRSTARTS(STR(?o), "http://metadata.un.org/sdg/")) }}""",
    )
    assert _int(void, linksets[sdg], VOID.triples) == int(rows[0]["n"]) > 0


def test_description_is_in_the_store_and_keeps_the_build_version(client: Any, built_settings: Settings) -> None:
    rows = _select(client, f"SELECT ?t WHERE {{ GRAPH <{DESCRIPTION_GRAPH}> {{ <{BASE}/dataset> a ?t }} }}")
    assert "http://www.w3.org/ns/dcat#Dataset" in {r["t"] for r in rows}
    info = json.loads((built_settings.dist_dir / "build-info.json").read_text())
    assert DESCRIPTION_GRAPH in info["graphs"]
    assert client.get("/").headers["ETag"].strip('"').startswith(info["version"][:32])


# ---------------------------------------------------------------------------------------
# Dumps
# ---------------------------------------------------------------------------------------


def test_every_distribution_downloads_parses_to_its_count_and_matches_its_checksum(client: Any, void: rdflib.Graph) -> None:
    distributions = [d for d in void.subjects(RDF.type, DCAT.Distribution) if void.value(d, DCAT.downloadURL)]
    assert len(distributions) >= 3 * 8 + 3  # dataset + 7 graphs in 3 formats, the tables
    for node in distributions:
        url = str(void.value(node, DCAT.downloadURL))
        response = client.get(_local(url))
        assert response.status_code == 200, url
        body = response.data
        assert len(body) == _int(void, node, DCAT.byteSize), url
        assert hashlib.sha256(body).hexdigest() == str(void.value(void.value(node, SPDX.checksum), SPDX.checksumValue)), url
        if void.value(node, DCAT.compressFormat) is not None:
            assert response.mimetype == "application/gzip" and "Content-Encoding" not in response.headers
            body = gzip.decompress(body)
        media_type = str(void.value(node, DCAT.mediaType)).removeprefix(desc.IANA)
        if media_type == "text/csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            assert len(rows) > 1 and rows[0][0], url
            continue
        parsed = list(ox.parse(body, format=ox.RdfFormat.from_media_type(media_type)))
        assert len(parsed) == _int(void, node, VOID.triples), url


def test_checksums_file_lists_every_download(client: Any, built_settings: Settings) -> None:
    response = client.get(f"/downloads/{CHECKSUMS}")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = dict(reversed(line.split("  ", 1)) for line in response.get_data(as_text=True).splitlines())  # type: ignore[misc]
    manifest = read_index(built_settings.dist_dir)
    assert {d.name: d.sha256 for d in manifest} == lines
    for name, digest in lines.items():
        assert hashlib.sha256(client.get("/downloads/" + name).data).hexdigest() == digest


def test_downloads_page_lists_every_file_with_size_and_checksum(client: Any, built_settings: Settings) -> None:
    response = client.get("/downloads/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    for download in read_index(built_settings.dist_dir):
        assert f'href="/downloads/{download.name}"' in body
        assert download.sha256 in body and f'data-bytes="{download.size}"' in body
    assert "tables/sdg-links.csv" in body
    assert client.get("/downloads").status_code in (301, 308)


def test_the_plain_dumps_still_download(client: Any) -> None:
    assert client.get("/downloads/dataset.nq").mimetype == "application/n-quads"
    assert client.get("/downloads/graphs/kemi-city.ttl").mimetype == "text/turtle"


# ---------------------------------------------------------------------------------------
# Releases
# ---------------------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_releases_of_the_same_input_are_byte_identical(data_quads: list[ox.Quad], built_settings: Settings, tmp_path: Path) -> None:
    first = write_release(data_quads, built_settings, "1.0.0", tmp_path / "a")
    second = write_release(list(reversed(data_quads)), built_settings, "1.0.0", tmp_path / "b")
    files = _files(first)
    assert files == _files(second)
    for name in ("dataset.nq.gz", "dataset.trig.gz", "dataset.jsonld.gz", "graphs/kemi-city.ttl.gz", "tables/sdg-links.csv",
                 "description.ttl", "validation-report.ttl", CHANGELOG, CHANGES, RELEASE_INFO, CHECKSUMS):
        assert name in files
    sums = dict(reversed(line.split("  ", 1)) for line in files[CHECKSUMS].decode().splitlines())  # type: ignore[misc]
    assert set(sums) == set(files) - {CHECKSUMS}
    assert all(hashlib.sha256(files[n]).hexdigest() == d for n, d in sums.items())
    report = rdflib.Graph().parse(data=files["validation-report.ttl"], format="turtle")
    assert (None, URIRef("http://www.w3.org/ns/shacl#conforms"), Literal(True)) in report
    described = rdflib.Graph().parse(data=files["description.ttl"], format="turtle")
    url = URIRef(f"{BASE}/releases/1.0.0/dataset.nq.gz")
    node = described.value(predicate=DCAT.downloadURL, object=url)
    assert str(described.value(described.value(node, SPDX.checksum), SPDX.checksumValue)) == hashlib.sha256(files["dataset.nq.gz"]).hexdigest()


def test_a_release_after_a_change_lists_exactly_that_change(data_quads: list[ox.Quad], built_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "releases"
    write_release(data_quads, built_settings, "1.0.0", folder)
    goal = ox.NamedNode(BASE + GOAL)
    old = next(q for q in data_quads if q.subject == goal and q.predicate == SKOS_PREF and q.object.language == "fi" and q.graph_name.value.endswith("/city"))
    new = ox.Quad(goal, SKOS_PREF, ox.Literal("ELINVOIMAINEN KAUPUNKI (korjattu)", language="fi"), old.graph_name)
    added_element = ox.NamedNode(f"{BASE}/id/kemi/kaupunkistrategia/goal/uusi-paamaara")
    added = ox.Quad(added_element, SKOS_PREF, ox.Literal("Uusi päämäärä", language="fi"), old.graph_name)
    changed = [q for q in data_quads if q != old] + [new, added]
    target = write_release(changed, built_settings, "1.1.0", folder)

    changes = json.loads((target / CHANGES).read_text())
    assert changes["previous"] == "1.0.0"
    assert changes["added"] == [str(added_element)]
    assert changes["removed"] == []
    assert changes["changed"] == [{"element": str(goal), "added": [str(new)], "removed": [str(old)]}]
    log = (target / CHANGELOG).read_text()
    assert "Previous release: 1.0.0." in log and str(goal) in log and "ELINVOIMAINEN KAUPUNKI (korjattu)" in log
    info = json.loads((target / RELEASE_INFO).read_text())
    assert info["changes"] == {"added": 1, "removed": 0, "changed": 1}
    described = rdflib.Graph().parse(target / "description.ttl")
    assert (URIRef(f"{BASE}/dataset/1.1.0"), DCAT.previousVersion, URIRef(f"{BASE}/dataset/1.0.0")) in described


def test_a_release_is_never_overwritten(data_quads: list[ox.Quad], built_settings: Settings, tmp_path: Path) -> None:
    write_release(data_quads, built_settings, "1.0.0", tmp_path)
    with pytest.raises(InputError, match="already exists"):
        write_release(data_quads, built_settings, "1.0.0", tmp_path)
    with pytest.raises(InputError, match="version"):
        write_release(data_quads, built_settings, "../evil", tmp_path)


def test_release_command_writes_the_release_and_refuses_a_second(built_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kemi_graph.cli import main

    args = ["--dist-dir", str(built_settings.dist_dir), "release", "2024.1", "--releases-dir", str(tmp_path), "--no-build"]
    assert main(args) == 0
    assert (tmp_path / "2024.1" / RELEASE_INFO).is_file()
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# Ontology documentation
# ---------------------------------------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_the_ontology_iri_gives_html_to_a_browser_and_rdf_to_an_rdf_client(client: Any) -> None:
    page = client.get("/ontology", headers={"Accept": BROWSER})
    assert page.mimetype == "text/html" and 'id="Objective"' in page.get_data(as_text=True)
    assert "Tavoite" in client.get("/ontology?lang=fi").get_data(as_text=True)
    ontology = URIRef("https://w3id.org/kemi-graph/ontology")
    for accept, parser in (("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")):
        response = client.get("/ontology", headers={"Accept": accept})
        assert response.mimetype == accept
        graph = rdflib.Graph().parse(data=response.data, format=parser)
        assert (ontology, RDF.type, rdflib.OWL.Ontology) in graph
        assert graph.value(ontology, rdflib.OWL.versionIRI) == URIRef("https://w3id.org/kemi-graph/ontology/0.1.0")


def test_the_version_iri_answers_that_version(client: Any) -> None:
    response = client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert client.get("/ontology/9.9.9").status_code == 404


# ---------------------------------------------------------------------------------------
# Search engines
# ---------------------------------------------------------------------------------------

_JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def test_landing_page_embeds_a_schema_org_dataset(client: Any) -> None:
    data = json.loads(_JSONLD.search(client.get("/").get_data(as_text=True)).group(1))
    assert data["@type"] == "Dataset" and data["@id"] == f"{BASE}/dataset"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["name"] and len(data["description"]) >= 50
    assert data["temporalCoverage"] == "2023-01-01/2023-12-31"
    assert any(d["contentUrl"] == f"{BASE}/downloads/dataset.nq.gz" for d in data["distribution"])


def test_strategic_goal_page_embeds_a_defined_term(client: Any) -> None:
    data = json.loads(_JSONLD.search(client.get(GOAL).get_data(as_text=True)).group(1))
    assert data["@type"] == "DefinedTerm" and data["@id"] == BASE + GOAL
    assert {"@language": "fi", "@value": "ELINVOIMAINEN KAUPUNKI"} in data["name"]
    assert data["inDefinedTermSet"]["@type"] == "DefinedTermSet"


def test_json_ld_in_a_page_cannot_close_its_script_element(make_app: Any) -> None:
    store = ox.Store()
    node = ox.NamedNode(f"{BASE}/id/x/s/objective/o")
    store.add(ox.Quad(node, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode("https://w3id.org/kemi-graph/ontology#Objective"), ox.NamedNode(f"{BASE}/graph/x/city")))
    store.add(ox.Quad(node, SKOS_PREF, ox.Literal("</script><script>alert(1)</script>", language="fi"), ox.NamedNode(f"{BASE}/graph/x/city")))
    body = make_app(store).test_client().get("/id/x/s/objective/o").get_data(as_text=True)
    script = _JSONLD.search(body).group(1)
    assert "<" not in script and json.loads(script)["name"][0]["@value"] == "</script><script>alert(1)</script>"


def test_sitemap_lists_every_resource_page(client: Any, app: Any) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    locs = [e.text for e in ET.fromstring(response.data).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert all(loc.startswith(BASE + "/") for loc in locs)  # the public URL: by default the base IRI
    paths = {loc.removeprefix(BASE) for loc in locs}
    store = app.extensions["kemi_graph"].current().store
    subjects = {r["s"].value for r in store.query(f'SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "{BASE}/id/")) }}')}
    assert {s[len(BASE):] for s in subjects} <= paths
    assert {"/", "/ontology", "/downloads/", GOAL, "/sdg/3", "/graph/kemi/city"} <= paths
    for path in sorted(paths)[:: max(1, len(paths) // 25)]:
        assert client.get(path).status_code == 200, path


def test_robots_txt_names_the_sitemap(client: Any) -> None:
    body = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {BASE}/sitemap.xml" in body and "Disallow: /sparql" in body
