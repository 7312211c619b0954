"""A second engine: ``kemi-graph publish`` into Virtuoso open source (started here, with an update
user) and into Oxigraph's server; the comparison queries give the same rows on both."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from kemi_graph import queries
from kemi_graph.cli import main
from kemi_graph.config import Settings
from kemi_graph.namespaces import Iris
from kemi_graph.remote import PASSWORD_VARIABLE, Credentials, RemoteStore, publish
from kemi_graph.store import build_info, open_read_only
from municipalities import REPO, start_oxigraph, stop
from virtuoso import MISSING, Virtuoso, start_virtuoso

needs_virtuoso = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
COMPARE = sorted(path.stem for path in (REPO / "queries").glob("compare-*.rq"))
# Each comparison query for every municipality, and with its parameters bound.
ASKED = [(name, {}) for name in COMPARE] + [
    ("compare-objectives-per-sdg", {"municipality": "<{base}/id/esimerkkila>"}),
    ("compare-indicators-achieved", {"municipality": "<{base}/id/kemi>"}),
    ("compare-roles", {"municipality": "<{base}/id/esimerkkila>"}),
    ("compare-shared-sdg-targets", {"municipalityB": "<{base}/id/esimerkkila>"}),
]


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    stop(server.process)


def _rows(result: ox.QuerySolutions) -> list[tuple[str, ...]]:
    variables = [v.value for v in result.variables]
    return [tuple(str(row[v]) if row[v] is not None else "" for v in variables) for row in result]


def _publish_to_virtuoso(settings: Settings, server: Virtuoso) -> dict[str, int]:
    return publish(settings, server.url + "/sparql-auth", graph_store=server.url + "/sparql-graph-crud-auth",
                   credentials=Credentials(server.user, server.password), log=lambda line: None)


@needs_virtuoso
@pytest.mark.skipif(shutil.which("oxigraph") is None, reason="the 'oxigraph' server (pip install oxigraph) is not installed")
def test_the_comparison_queries_give_the_same_rows_on_virtuoso_and_oxigraph(imported_settings: Settings, virtuoso: Virtuoso, tmp_path: Path) -> None:
    base = imported_settings.base_iri
    stale = f"{base}/graph/removed-town/city"
    requests.post(virtuoso.url + "/sparql-auth", data=f'INSERT DATA {{ GRAPH <{stale}> {{ <urn:x:a> <urn:x:b> "old" }} }}'.encode(),
                  headers={"Content-Type": "application/sparql-update"}, auth=requests.auth.HTTPDigestAuth(virtuoso.user, virtuoso.password),
                  timeout=30).raise_for_status()

    sent = _publish_to_virtuoso(imported_settings, virtuoso)
    _publish_to_virtuoso(imported_settings, virtuoso)  # again: each graph replaced, not doubled

    assert sent == build_info(imported_settings)["graphs"]
    on_virtuoso = RemoteStore(virtuoso.url + "/sparql", graph_prefix=Iris(base).graph_prefix)
    assert {g.value for g in on_virtuoso.named_graphs()} == set(sent)  # the stale graph is gone; Virtuoso's own are not ours
    assert len(on_virtuoso) == sum(sent.values())

    process, oxigraph_url = start_oxigraph(tmp_path)
    try:
        assert publish(imported_settings, oxigraph_url + "/update", log=lambda line: None) == sent
        on_oxigraph = RemoteStore(oxigraph_url + "/query")
        embedded = open_read_only(imported_settings)
        for name, values in ASKED:
            named = queries.get(name)
            rows = _rows(named.run(on_virtuoso, values, base_iri=base))
            assert rows, (name, values)
            assert rows == _rows(named.run(on_oxigraph, values, base_iri=base)), (name, values)
            assert rows == _rows(named.run(embedded, values, base_iri=base)), (name, values)
    finally:
        stop(process)


@needs_virtuoso
def test_publish_with_a_wrong_password_is_refused_and_changes_nothing(
    imported_settings: Settings, virtuoso: Virtuoso, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _publish_to_virtuoso(imported_settings, virtuoso)
    on_virtuoso = RemoteStore(virtuoso.url + "/sparql", graph_prefix=Iris(imported_settings.base_iri).graph_prefix)
    before = len(on_virtuoso)
    monkeypatch.setenv(PASSWORD_VARIABLE, virtuoso.password + "-wrong")

    code = main(["--dist-dir", str(imported_settings.dist_dir), "publish", "--endpoint", virtuoso.url + "/sparql-auth",
                 "--graph-store", virtuoso.url + "/sparql-graph-crud-auth", "--user", virtuoso.user])

    assert code == 2
    error = capsys.readouterr().err
    assert f"{virtuoso.url}/sparql-graph-crud-auth?graph=" in error and "HTTP 401" in error
    assert virtuoso.password not in error
    assert len(on_virtuoso) == before


def test_a_user_without_the_password_variable_is_refused_before_anything_is_sent(
    imported_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)

    code = main(["--dist-dir", str(imported_settings.dist_dir), "publish", "--endpoint", "http://127.0.0.1:9/sparql-auth", "--user", "publisher"])

    assert code == 2
    assert PASSWORD_VARIABLE in capsys.readouterr().err
