"""What travels over HTTP: compression, Last-Modified, Range, the formats clients name, the /sparql page."""

from __future__ import annotations

import gzip
import re
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 50"
GOAL = "/id/kemi/kaupunkistrategia/goal/elinvoimainen-kaupunki"


@pytest.mark.parametrize(
    ("path", "query", "accept", "mimetype"),
    [
        ("/", {}, "text/html", "text/html"),
        ("/sparql", {"query": SELECT}, "application/sparql-results+json", "application/sparql-results+json"),
        ("/sparql", {"query": CONSTRUCT}, "text/turtle", "text/turtle"),
        (GOAL, {}, "text/turtle", "text/turtle"),
        ("/.well-known/void", {}, "application/ld+json", "application/ld+json"),
    ],
)
def test_answers_are_gzip_compressed_only_for_a_client_that_accepts_it(
    client: Any, path: str, query: dict[str, str], accept: str, mimetype: str
) -> None:
    plain = client.get(path, query_string=query, headers={"Accept": accept})
    packed = client.get(path, query_string=query, headers={"Accept": accept, "Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert plain.mimetype == packed.mimetype == mimetype
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    for response in (plain, packed):
        assert "accept-encoding" in response.headers["Vary"].lower()


def test_downloads_are_sent_as_they_are_and_answer_a_range(client: Any) -> None:
    whole = client.get("/downloads/dataset.nq", headers={"Accept-Encoding": "gzip"})
    assert whole.status_code == 200 and "Content-Encoding" not in whole.headers
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get("/downloads/dataset.nq", headers={"Range": "bytes=10-109"})
    assert part.status_code == 206
    assert part.data == whole.data[10:110]
    assert part.headers["Content-Range"] == f"bytes 10-109/{len(whole.data)}"
    # If-Range with the current ETag resumes; a stale one gets the whole file.
    resumed = client.get("/downloads/dataset.nq", headers={"Range": "bytes=100-", "If-Range": whole.headers["ETag"]})
    assert resumed.status_code == 206 and resumed.data == whole.data[100:]
    stale = client.get("/downloads/dataset.nq", headers={"Range": "bytes=100-", "If-Range": '"stale"'})
    assert stale.status_code == 200 and stale.data == whole.data
    assert client.get("/downloads/dataset.nq", headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304


def test_pages_carry_the_build_time_as_last_modified(client: Any, built_settings: Any) -> None:
    import json

    built = json.loads((built_settings.dist_dir / "build-info.json").read_text())["built"]
    page = client.get(GOAL, headers={"Accept": "text/html"})
    assert page.status_code == 200
    modified = parsedate_to_datetime(page.headers["Last-Modified"])
    assert modified.isoformat() == built
    again = client.get(GOAL, headers={"Accept": "text/html", "If-Modified-Since": page.headers["Last-Modified"]})
    assert again.status_code == 304 and again.data == b""
    older = client.get(GOAL, headers={"Accept": "text/html", "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200


@pytest.mark.parametrize("ask", [{"format": "n3"}, {"Accept": "text/n3"}, {"Accept": "text/rdf+n3"}])
def test_n3_is_answered_with_turtle(client: Any, ask: dict[str, str]) -> None:
    query = {"query": CONSTRUCT, **({"format": ask["format"]} if "format" in ask else {})}
    response = client.get("/sparql", query_string=query, headers={"Accept": ask.get("Accept", "*/*")})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv, text/tab-separated-values"])
@pytest.mark.parametrize("query", [CONSTRUCT, f"DESCRIBE <https://w3id.org/kemi-graph{GOAL}>"])
def test_a_graph_query_asked_for_a_result_set_type_gets_the_default_rdf_format(client: Any, accept: str, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"


def test_a_graph_query_that_refuses_turtle_is_not_sent_turtle(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/sparql-results+json, text/turtle;q=0"})
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"


@pytest.mark.parametrize(("accept", "format_name"), [("text/turtle", None), ("*/*", "json-ld"), ("*/*", "n3")])
def test_a_select_asked_for_an_rdf_format_gets_sparql_json(client: Any, accept: str, format_name: str | None) -> None:
    query = {"query": SELECT, **({"format": format_name} if format_name else {})}
    response = client.get("/sparql", query_string=query, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"


def test_a_format_nobody_knows_is_still_a_400(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, "format": "excel"})
    assert response.status_code == 400


def test_the_void_uri_pattern_is_valid_in_javascript_unicode_regexes(client: Any) -> None:
    import rdflib

    void = rdflib.Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data, format="turtle")
    patterns = [str(p) for p in void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#uriRegexPattern"))]
    assert patterns
    for pattern in patterns:
        # A JavaScript 'u' regex allows an escape only before a syntax character (and '/').
        assert all(m.group(1) in "^$\\.*+?()[]{}|/" for m in re.finditer(r"\\(.)", pattern)), pattern
        assert re.match(pattern, "https://w3id.org/kemi-graph/id/kemi")
        assert not re.match(pattern, "https://w3id.org/kemi-graphXid/kemi")


# -- the /sparql page --------------------------------------------------------------------------


def _page(client: Any, query: str, **params: str) -> Any:
    return client.get("/sparql", query_string={"query": query, **params}, headers={"Accept": "text/html"})


def test_result_links_lead_to_the_local_pages(client: Any) -> None:
    html = _page(client, f"SELECT ?goal WHERE {{ BIND(<https://w3id.org/kemi-graph{GOAL}> AS ?goal) }}").get_data(as_text=True)
    assert f'href="{GOAL}"' in html
    assert 'href="https://w3id.org/kemi-graph/id/' not in html
    fi = _page(client, f"SELECT ?goal WHERE {{ BIND(<https://w3id.org/kemi-graph{GOAL}> AS ?goal) }}", lang="fi").get_data(as_text=True)
    assert f'href="{GOAL}?lang=fi"' in fi


def test_a_syntax_error_is_shown_on_the_page_with_the_query_kept(client: Any) -> None:
    query = "SELECT ?x WHERE { ?x ?p }"
    response = _page(client, query)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f">{query}</textarea>" in html
    assert 'role="alert"' in html and "Malformed query" in html


def test_a_misspelt_query_form_gets_a_message_that_names_it(client: Any) -> None:
    response = _page(client, "SELEC ?x WHERE { ?x ?p ?o }")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "SELECT, ASK, CONSTRUCT or DESCRIBE" in html and "&#39;SELEC&#39;" in html
    assert ">SELEC ?x WHERE { ?x ?p ?o }</textarea>" in html
    plain = client.get("/sparql", query_string={"query": "SELEC ?x WHERE { ?x ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert plain.status_code == 400 and plain.mimetype == "text/plain"
    assert "starts with 'SELEC'" in plain.get_data(as_text=True)


def test_the_query_page_switches_between_finnish_and_english(client: Any) -> None:
    english = _page(client, "ASK {}").get_data(as_text=True)
    assert '<html lang="en">' in english and "Run query" in english
    switch = re.search(r'<a href="([^"]*)" hreflang="fi"', english)
    assert switch, "no link to the Finnish page"
    finnish = client.get(switch.group(1).replace("&amp;", "&"), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<html lang="fi">' in finnish and "Suorita kysely" in finnish
    assert '<input type="hidden" name="lang" value="fi">' in finnish  # the next query stays in Finnish
    assert "Run query" not in finnish
