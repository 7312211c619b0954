"""A running server follows a new build: every worker, evaluator, page and cache switches to it
within seconds, and no request fails while it does."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import requests

from conftest import LiveServer
from kemi_graph.cli import main
from kemi_graph.config import Settings
from kemi_graph.namespaces import Iris
from kemi_graph.store import build_info, open_read_only
from municipalities import CODE, CSV_2023, NAME

COUNT_GRAPHS = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _graph_count(server: LiveServer) -> int:
    response = requests.get(server.endpoint, params={"query": COUNT_GRAPHS}, headers={"Accept": "application/sparql-results+json"}, timeout=10)
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_a_municipality_imported_after_the_server_started_is_served_within_seconds(
    live_server: Callable[..., LiveServer], built_settings: Settings, tmp_path: Path
) -> None:
    dist = tmp_path / "served" / "dist"
    shutil.copytree(built_settings.dist_dir, dist)
    server = live_server(dist_dir=dist, workers=2)
    graphs_before = _graph_count(server)
    version_before = build_info(Settings(dist_dir=dist))["version"]
    assert requests.get(server.url + "/", timeout=10).headers["ETag"].strip('"').startswith(version_before[:32])

    # Clients keep asking while the import builds and the server switches.
    statuses: Counter[int | str] = Counter()
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            for url, params in ((server.endpoint, {"query": COUNT_GRAPHS}), (server.url + "/", None), (server.url + "/ontology", None)):
                try:
                    statuses[requests.get(url, params=params, timeout=20).status_code] += 1
                except requests.RequestException as error:
                    statuses[type(error).__name__] += 1

    askers = [threading.Thread(target=keep_asking) for _ in range(3)]
    for asker in askers:
        asker.start()
    try:
        code = main(["--dist-dir", str(dist), "import", str(CSV_2023), "--municipality", NAME, "--code", CODE, "--year", "2023"])
        assert code == 0
        version_after = build_info(Settings(dist_dir=dist))["version"]
        assert version_after != version_before
        new_element = _new_element(dist, built_settings)
        local = server.url + new_element[len(Iris(built_settings.base_iri).base):]

        deadline = time.monotonic() + 15
        switched = False
        while time.monotonic() < deadline and not switched:
            # Several answers in a row, so that every worker has been asked.
            answers = [
                (_graph_count(server), requests.get(local, timeout=10).status_code, requests.get(server.url + "/", timeout=10).headers["ETag"])
                for _ in range(6)
            ]
            switched = all(n > graphs_before and status == 200 and version_after[:32] in etag for n, status, etag in answers)
            time.sleep(0.3)
        assert switched, answers
    finally:
        stop.set()
        for asker in askers:
            asker.join(30)
    assert set(statuses) == {200}, statuses


def _new_element(dist: Path, settings: Settings) -> str:
    prefix = Iris(settings.base_iri).base + "/id/esimerkkila"
    rows = open_read_only(Settings(dist_dir=dist)).query(
        f'SELECT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "{prefix}")) }} LIMIT 1'
    )
    return next(iter(rows))["s"].value
