"""The endpoint's caching: ETag and 304 on GET, the in-process response cache, the dataset version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kemi_graph.config import Settings
from kemi_graph.web.response_cache import CachedResponse, ResponseCache, response_key

EX = "http://example.org/"
SELECT = "SELECT ?o WHERE { ?s ?p ?o }"


def _store() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o")))
    return store


class _CountingPool:
    """Wraps an app's query pool and counts the queries it evaluates."""

    def __init__(self, app: Any) -> None:
        self.pool = app.extensions["kemi_graph"].current().pool
        self.runs = 0
        original = self.pool.run

        def run(job: Any, deadline: float | None = None) -> Any:
            self.runs += 1
            return original(job, deadline)

        self.pool.run = run


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app(_store())


def test_a_repeated_get_is_answered_from_the_cache_with_the_same_body_and_etag(app: Any) -> None:
    counter = _CountingPool(app)
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "application/sparql-results+json"})
    second = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert second.headers["Cache-Control"] == "public, max-age=300"
    assert counter.runs == 1


def test_if_none_match_with_the_current_etag_is_a_304_without_evaluation(app: Any) -> None:
    client = app.test_client()
    etag = client.get("/sparql", query_string={"query": SELECT}).headers["ETag"]
    counter = _CountingPool(app)
    app.extensions["kemi_graph"].current().response_cache.clear()
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert "Accept" in response.headers["Vary"]
    assert counter.runs == 0


def test_if_none_match_with_another_etag_gets_the_answer(app: Any) -> None:
    response = app.test_client().get("/sparql", query_string={"query": SELECT}, headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200
    assert b'"value":"o"' in response.data


def test_a_different_accepted_format_has_a_different_etag(app: Any) -> None:
    client = app.test_client()
    json_tag = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "application/sparql-results+json"}).headers["ETag"]
    csv_response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/csv"})
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    assert csv_response.headers["ETag"] != json_tag


def test_dataset_parameters_change_the_etag(app: Any) -> None:
    client = app.test_client()
    union = client.get("/sparql", query_string={"query": SELECT}).headers["ETag"]
    default_only = client.get("/sparql", query_string={"query": SELECT, "default-graph-uri": EX + "g"})
    assert default_only.headers["ETag"] != union
    assert default_only.data == b'{"head":{"vars":["o"]},"results":{"bindings":[]}}'


def test_a_post_uses_the_cache_but_gets_no_etag(app: Any) -> None:
    counter = _CountingPool(app)
    client = app.test_client()
    get = client.get("/sparql", query_string={"query": SELECT})
    post = client.post("/sparql", data=SELECT, content_type="application/sparql-query")
    assert post.data == get.data
    assert "ETag" not in post.headers
    assert counter.runs == 1


def test_a_query_calling_now_is_neither_cached_nor_tagged(app: Any) -> None:
    counter = _CountingPool(app)
    client = app.test_client()
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": "SELECT (NOW() AS ?t) {}"})
        assert response.status_code == 200
        assert "ETag" not in response.headers
    assert counter.runs == 2


def test_a_zero_cache_size_evaluates_every_query_but_still_tags(make_app: Any) -> None:
    app = make_app(_store(), response_cache_bytes=0)
    counter = _CountingPool(app)
    client = app.test_client()
    tags = {client.get("/sparql", query_string={"query": SELECT}).headers["ETag"] for _ in range(2)}
    assert len(tags) == 1
    assert counter.runs == 2


def test_a_cut_answer_keeps_its_truncation_header_when_cached(make_app: Any) -> None:
    store = _store()
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o2")))
    client = make_app(store, max_rows=1).test_client()
    first, second = (client.get("/sparql", query_string={"query": SELECT}) for _ in range(2))
    assert first.headers["X-Results-Truncated"] == second.headers["X-Results-Truncated"] == "max_rows=1"
    assert first.data == second.data


def test_the_html_result_page_is_cached_per_format(app: Any) -> None:
    client = app.test_client()
    html = client.get("/sparql", query_string={"query": SELECT, "format": "html"})
    again = client.get("/sparql", query_string={"query": SELECT, "format": "html"})
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert html.data == again.data
    assert html.headers["ETag"] != client.get("/sparql", query_string={"query": SELECT}).headers["ETag"]


# -- the dataset version -----------------------------------------------------------------------


def test_a_given_dataset_version_is_in_the_app_state_and_the_pages_etags(settings: Settings) -> None:
    from kemi_graph.web.app import create_app

    app = create_app(settings, _store(), dataset_version="v1-given")
    try:
        assert app.extensions["kemi_graph"].current().dataset_version == "v1-given"
        with app.test_request_context("/"):
            from kemi_graph.web import page_kit

            assert page_kit.dataset_version() == "v1-given"
    finally:
        app.extensions["kemi_graph"].close()


def test_the_built_store_has_the_builds_version(built_settings: Settings) -> None:
    from kemi_graph.store import build_info
    from kemi_graph.web.app import create_app

    app = create_app(built_settings)
    try:
        assert app.extensions["kemi_graph"].current().dataset_version == build_info(built_settings)["version"]
    finally:
        app.extensions["kemi_graph"].close()


def test_the_version_of_data_files_follows_their_bytes_and_graphs(tmp_path: Path) -> None:
    from kemi_graph.web.serve import data_version

    data = tmp_path / "a.nt"
    data.write_text(f"<{EX}s> <{EX}p> <{EX}o> .\n")
    first = data_version([str(data)])
    assert data_version([str(data)]) == first
    assert data_version([f"{data}={EX}g"]) != first
    data.write_text(f"<{EX}s> <{EX}p> <{EX}o2> .\n")
    assert data_version([str(data)]) != first


# -- the cache itself --------------------------------------------------------------------------


def test_the_cache_evicts_the_least_recently_used_answer_beyond_its_byte_budget() -> None:
    cache = ResponseCache(max_bytes=1200)  # two entries of about 510 bytes fit, three do not
    entry = CachedResponse(b"x" * 300, "text/plain", False)
    for key in ("a", "b"):
        cache.put(key, entry)
    assert cache.get("a") is entry  # 'a' is now the most recently used
    cache.put("c", entry)  # over budget: 'b' goes
    assert cache.get("b") is None
    assert cache.get("a") is entry and cache.get("c") is entry
    assert cache.size <= 1200


def test_an_answer_larger_than_the_budget_is_not_kept() -> None:
    cache = ResponseCache(max_bytes=100)
    cache.put("big", CachedResponse(b"x" * 1000, "text/plain", False))
    assert cache.get("big") is None and len(cache) == 0


def test_response_keys_do_not_collide_when_parts_shift() -> None:
    assert response_key("v", "ab", [], [], "json", "u") != response_key("v", "a", ["b"], [], "json", "u")
