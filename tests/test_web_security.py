"""Hostile input on the pages and the headers every response carries (issue: XSS by link)."""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
import pytest

from kemi_graph.web.security import is_safe_link

HOSTILE = ("javascript:alert(document.domain)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "JavaScript:alert(1)")


@pytest.mark.parametrize("iri", HOSTILE)
def test_a_hostile_iri_in_sparql_results_is_text_not_a_link(client: Any, iri: str) -> None:
    query = f"SELECT ?x ?ok WHERE {{ BIND(<{iri}> AS ?x) BIND(<https://example.org/fine> AS ?ok) }}"
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if not h.startswith(("/", "http://", "https://", "#"))], hrefs
    assert 'href="https://example.org/fine"' in html  # http(s) IRIs still link


def test_a_hostile_iri_in_the_data_is_text_on_the_resource_page(make_app: Any) -> None:
    store = ox.Store()
    subject = ox.NamedNode("http://example.org/x")
    for iri in HOSTILE:
        store.add(ox.Quad(subject, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"), ox.NamedNode(iri), ox.NamedNode("http://example.org/g")))
    page = make_app(store).test_client().get("/resource", query_string={"iri": subject.value}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html)).lower()
    assert 'href="data:' not in html
    assert "alert(document.domain)" in html  # still shown, as text


def test_only_http_urls_and_site_paths_are_safe_links() -> None:
    assert is_safe_link("https://w3id.org/kemi-graph/id/kemi")
    assert is_safe_link("http://metadata.un.org/sdg/3")
    assert is_safe_link("/id/kemi?lang=fi")
    for target in (*HOSTILE, "//evil.example/x", "vbscript:x", "urn:isbn:1", "https:", "", None):
        assert not is_safe_link(target), target


@pytest.mark.parametrize(
    ("path", "query", "accept"),
    [
        ("/", {}, "text/html"),
        ("/sparql", {"query": "ASK {}"}, "application/sparql-results+json"),
        ("/sparql", {"query": "SELECT * WHERE {"}, "application/sparql-results+json"),  # a 400
        ("/id/no-such-thing", {}, "text/html"),  # a 404
        ("/.well-known/void", {}, "text/turtle"),
        ("/downloads/dataset.nq", {}, "*/*"),
    ],
)
def test_every_response_carries_the_security_headers(client: Any, path: str, query: dict[str, str], accept: str) -> None:
    response = client.get(path, query_string=query, headers={"Accept": accept})
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp  # the site's own script files only: no inline code, no eval
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", "/sparql", "/queries", "/ontology", "/id/kemi", "/sdg", "/sdg/3", "/report/kemi", "/downloads/", "/compare"])
def test_pages_need_nothing_the_policy_forbids(client: Any, path: str) -> None:
    """No inline script, no <style> element, nothing off-site: the CSP blocks them."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.DOTALL):
        if 'type="application/ld+json"' not in attributes:
            assert re.fullmatch(r' src="/static/[^"]+\.js" defer', attributes) and not body, attributes
    assert "<style" not in html
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]*)"', html)
    assert sheets[0] == "/static/style.css" and all(re.fullmatch(r"/static/[a-z-]+\.css", sheet) for sheet in sheets), sheets
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
