"""Requests the web app must answer sensibly though they are odd or hostile: paths that are no
IRI, redirects that would leave the site, a forged Host header, queries the engine cannot run,
descriptions with nothing (or something JSON-LD cannot carry) in them; and the default relative
``dist`` folder.

Each test goes through the Flask test client; the tiny stores are built here.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib

from kemi_graph.config import Settings

BASE = "https://w3id.org/kemi-graph"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CITY = ox.NamedNode(f"{BASE}/graph/x/city")
EX = "http://example.org/"


@pytest.fixture
def tiny(make_app: Any) -> Any:
    """A client over a store with one resource that is only a type's subject, and one statement about a triple."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(f"{BASE}/id/x/a"), RDF_TYPE, ox.NamedNode(SKOS_CONCEPT), CITY))
    quoted = ox.Triple(ox.NamedNode(f"{BASE}/id/x/a"), ox.NamedNode(EX + "says"), ox.Literal("hei"))
    store.add(ox.Quad(ox.NamedNode(f"{BASE}/id/x/claim"), ox.NamedNode(EX + "reifies"), quoted, CITY))
    return make_app(store).test_client()


# -- issue 11.1: the default relative dist folder ------------------------------------------


def test_downloads_work_with_a_relative_dist_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "SHA256SUMS").write_text("0" * 64 + "  dataset.nq\n")
    settings = Settings.from_env({})  # the default: dist, relative to the working directory
    assert settings.dist_dir == tmp_path / "dist"
    response = make_app(ox.Store(), dist_dir=Path("dist")).test_client().get("/downloads/SHA256SUMS")
    assert response.status_code == 200
    assert response.data == (tmp_path / "dist" / "SHA256SUMS").read_bytes()


# -- issue 11.6: no redirect off the site --------------------------------------------------


@pytest.mark.parametrize("rest", ["//evil.example/x", "//evil.example", "///evil.example/x"])
def test_resource_parameter_never_redirects_to_another_site(client: Any, rest: str) -> None:
    response = client.get("/resource", query_string={"iri": BASE + rest})
    assert response.status_code != 302 and "Location" not in response.headers
    assert response.status_code == 404


def test_resource_parameter_still_redirects_to_a_local_page(client: Any) -> None:
    response = client.get("/resource", query_string={"iri": f"{BASE}/id/kemi"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/id/kemi"


# -- issue 11.10: 4xx, never 500 -------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/id/", "/graph/", "/dataset/"])
@pytest.mark.parametrize("character", [" ", '"', "<", ">", "{", "}", "\\", "`", "|", "^", "\x00"])
def test_a_path_that_is_no_iri_is_a_404_with_a_message(client: Any, prefix: str, character: str) -> None:
    response = client.get(prefix + "kemi" + character + "x")
    assert response.status_code == 404
    assert response.mimetype == "text/plain" and "not an IRI" in response.get_data(as_text=True)


def test_other_places_an_iri_is_made_from_the_request_answer_4xx(client: Any) -> None:
    assert client.get("/ontology/1.0%20x").status_code == 404
    assert client.get("/resource", query_string={"iri": "http://example.org/a\x00b"}).status_code == 400


def test_an_unknown_custom_function_is_a_bad_request(tiny: Any) -> None:
    query = "PREFIX f: <http://example.org/function#> SELECT (f:nope(1) AS ?x) WHERE {}"
    response = tiny.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "http://example.org/function#nope" in response.get_data(as_text=True)


def test_json_ld_of_a_description_with_a_triple_term_is_406_naming_what_works(tiny: Any) -> None:
    response = tiny.get("/id/x/claim", headers={"Accept": "application/ld+json"})
    assert response.status_code == 406
    text = response.get_data(as_text=True)
    assert "JSON-LD" in text and "text/turtle" in text
    nquads = tiny.get("/id/x/claim?format=nquads")
    assert nquads.status_code == 200 and b"<<(" in nquads.data


# -- issue 11.14: the public URL, never the Host header --------------------------------------


def test_absolute_urls_ignore_the_host_header(client: Any) -> None:
    forged = {"Host": "evil.example"}
    landing = client.get("/", headers=forged).get_data(as_text=True)
    assert f'<link rel="canonical" href="{BASE}/">' in landing
    assert client.get("/robots.txt", headers=forged).get_data(as_text=True).count(f"Sitemap: {BASE}/sitemap.xml") == 1
    sitemap = client.get("/sitemap.xml", headers=forged)
    locs = [e.text or "" for e in ET.fromstring(sitemap.data).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs and all(loc.startswith(BASE + "/") for loc in locs)
    description = client.get("/sparql", headers={**forged, "Accept": "application/n-triples"})
    assert f"<{BASE}/sparql>".encode() in description.data
    for response in (landing.encode(), sitemap.data, description.data):
        assert b"evil.example" not in response


def test_a_configured_public_url_is_used(make_app: Any) -> None:
    client = make_app(ox.Store(), public_url="https://staging.example.fi/kemi").test_client()
    assert "Sitemap: https://staging.example.fi/kemi/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)
    assert b"https://staging.example.fi/kemi/sparql" in client.get("/sparql", headers={"Accept": "text/turtle"}).data


@pytest.mark.parametrize("value", ["staging.example.fi", "ftp://staging.example.fi", "https://staging.example.fi/", "https://x.example?a=1"])
def test_a_public_url_that_is_no_site_address_is_refused_naming_the_setting(value: str) -> None:
    from kemi_graph.errors import ConfigError

    with pytest.raises(ConfigError, match="public_url"):
        Settings.from_env({"KEMI_GRAPH_PUBLIC_URL": value})


# -- issue 11.15: an empty description is a valid empty document ------------------------------


@pytest.mark.parametrize(("accept", "parser"), [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"), ("text/turtle", "turtle"), ("application/n-triples", "nt")])
def test_a_resource_with_no_description_is_a_valid_empty_document(client: Any, accept: str, parser: str) -> None:
    response = client.get("/resource", query_string={"iri": SKOS_CONCEPT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert len(rdflib.Graph().parse(data=response.data, format=parser)) == 0
    if parser == "json-ld":
        assert json.loads(response.data) == []
