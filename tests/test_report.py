"""The follow-up report (/report/<municipality>) and the SDG dashboard (/sdg, /sdg/<code>).

The report is checked against the data itself: every indicator of Kemi, as the named query
``indicator-status`` lists it, must stand in its objective's table with its target, each result
answering it and that result's status.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from kemi_graph import queries
from kemi_graph.config import Settings

BASE = "https://w3id.org/kemi-graph"


def _store(app: Any) -> Any:
    return app.extensions["kemi_graph"].current().store


def _rows(app: Any, name: str) -> list[dict[str, Any]]:
    result = queries.get(name).run(_store(app), base_iri=BASE)
    return [{v.value: row[v] for v in result.variables} for row in result]


def _indicator_rows(page: str) -> dict[str, str]:
    """Each indicator's table row in the report, by the indicator's path."""
    found = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", page, flags=re.S):
        path = re.search(r'href="(/id/[^"]+/indicator/[^"#?]+)"', row)
        if path:
            found[path.group(1)] = html.unescape(row)
    return found


def test_report_shows_every_kemi_indicator_with_its_target_result_and_status(client: Any, app: Any) -> None:
    page = client.get("/report/kemi").get_data(as_text=True)
    rows = _indicator_rows(page)
    data = _rows(app, "indicator-status")
    assert data
    for item in data:
        path = item["indicator"].value[len(BASE):]
        assert path in rows, f"indicator {path} is missing from the report"
        row = rows[path]
        assert item["indicatorFi"].value in row
        if item["targetEn"] is not None:
            assert item["targetEn"].value in row, path
        elif item["targetValue"] is None and item["deadline"] is None:
            assert "no target stated" in row, path
        if item["result"] is None:
            assert "no result reported" in row, path
        else:
            assert item["resultFi"].value in row, path
            assert item["statusEn"].value in row, path
    # Every objective of Kemi has its section, with its indicators' rows inside it.
    objectives = {o["objective"].value for o in _rows(app, "goals-objectives") if o["objective"] is not None and "/id/kemi/" in o["objective"].value}
    assert len(objectives) == 16
    for objective in objectives:
        assert f'href="{objective[len(BASE):]}"' in page


def test_a_status_is_told_by_text_and_mark_not_colour_alone(client: Any) -> None:
    page = client.get("/report/kemi").get_data(as_text=True)
    badges = re.findall(r'<span class="status status-(\w+)"><span class="status-mark" aria-hidden="true">(.)</span> <span[^>]*>([^<]+)</span>', page)
    assert {key for key, _, _ in badges} == {"achieved", "partlyAchieved", "notAchieved", "noTarget", "notKnown"}
    assert all(text.strip() for _, _, text in badges)
    assert len({(key, mark) for key, mark, _ in badges}) == 5  # one mark per status


def test_report_counts_per_status_agree_with_the_status_counts_query(client: Any, app: Any) -> None:
    page = client.get("/report/kemi").get_data(as_text=True)
    table = page.split('id="counts"', 1)[1].split("</table>", 1)[0]
    shown = {key: (int(a), int(b)) for key, a, b in re.findall(r"status-(\w+)\".*?<td class=\"num\">(\d+) / (\d+)</td>", table, flags=re.S)}
    expected: dict[str, list[int]] = {}
    for row in _rows(app, "status-counts"):
        if "/id/kemi/" in row["goal"].value:
            key = row["status"].value.rsplit("#", 1)[-1]
            counts = expected.setdefault(key, [0, 0])
            counts[0] += int(row["results"].value)
            counts[1] += int(row["printedResults"].value)
    assert shown == {key: tuple(v) for key, v in expected.items()}


def test_report_shows_sdg_links_told_apart_and_source_lines(client: Any) -> None:
    page = client.get("/report/kemi").get_data(as_text=True)
    assert 'class="sdg-group rel-stated"' in page and 'class="sdg-group rel-inherited"' in page and 'class="sdg-group rel-suggested"' in page
    assert re.search(r'Source lines: <a href="/id/kemi/kaupunkistrategia/[^"]+/source/[^"]+">\d+</a>', page)


def test_report_in_finnish_names_statuses_in_finnish(client: Any) -> None:
    page = client.get("/report/kemi?lang=fi").get_data(as_text=True)
    assert "Seurantaraportti" in page and "saavutettu" in page and "Lähteen rivit" in page


def test_report_is_printable_and_downloadable_as_neutralised_csv(client: Any) -> None:
    page = client.get("/report/kemi").get_data(as_text=True)
    assert "/static/report.css" in page
    css = client.get("/static/report.css").get_data(as_text=True)
    assert "@media print" in css
    response = client.get("/report/kemi?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["municipality", "plan", "period"]
    assert len(rows) > 40
    # The spreadsheet rule: no cell a spreadsheet would run as a formula.
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not re.fullmatch(r"-[\d.]+", cell))]
    assert client.get("/report/kemi", headers={"Accept": "text/csv"}).mimetype == "text/csv"


def test_report_refuses_unknown_municipality_plan_and_period_with_a_message(client: Any) -> None:
    missing = client.get("/report/nowhere")
    assert missing.status_code == 404 and "not a municipality" in missing.get_data(as_text=True)
    for query in ("period=2023", "plan=https://example.org/plan"):
        response = client.get(f"/report/kemi?{query}")
        assert response.status_code == 400
        assert response.get_data(as_text=True).startswith("400 Bad Request: ")


def test_landing_page_and_municipality_page_link_to_the_report(client: Any) -> None:
    assert 'href="/report/kemi"' in client.get("/").get_data(as_text=True)
    assert 'href="/report/kemi"' in client.get("/id/kemi").get_data(as_text=True)
    assert 'href="/report/kemi?lang=fi"' in client.get("/id/kemi?lang=fi").get_data(as_text=True)


@pytest.fixture(scope="module")
def two_years_client(imported_settings: Settings) -> Iterator[Any]:
    from kemi_graph.web.app import create_app

    application = create_app(imported_settings)
    yield application.test_client()
    application.extensions["kemi_graph"].close()


def test_report_shows_the_same_indicator_side_by_side_across_years(two_years_client: Any) -> None:
    page = two_years_client.get("/report/esimerkkila").get_data(as_text=True)
    assert "Result 1-12/2023" in page and "Result 1-12/2024" in page
    row = next(r for path, r in _indicator_rows(page).items() if path.endswith("/kerhokertoja-40-krt-v"))
    cells = re.findall(r'<td class="result">(.*?)</td>', row, flags=re.S)
    assert len(cells) == 2
    assert "32" in cells[0] and "not achieved" in cells[0]
    assert "44" in cells[1] and "achieved" in cells[1] and "not achieved" not in cells[1]
    one_year = two_years_client.get(f"/report/esimerkkila?period={BASE}/id/period/2024").get_data(as_text=True)
    assert "Result 1-12/2024" in one_year and "Result 1-12/2023" not in one_year


def test_sdg_dashboard_counts_elements_per_goal_by_how_they_were_linked(client: Any, app: Any) -> None:
    page = client.get("/sdg").get_data(as_text=True)
    tiles = re.findall(r'<li class="sdg-tile".*?</li>\s*(?=<li class="sdg-tile"|</ul>)', page, flags=re.S)
    assert len(tiles) == 17
    goal3 = next(tile for tile in tiles if 'href="/sdg/3"' in tile)
    counts = dict(re.findall(r'<div class="rel-(\w+)"><dt>[^<]+</dt><dd>(\d+)</dd></div>', goal3))
    stated = _store(app).query(
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x <https://w3id.org/kemi-graph/ontology#sdg> ?s } "
        "FILTER(STRENDS(STR(?g), '/city') && (?s = <http://metadata.un.org/sdg/3> || STRSTARTS(STR(?s), 'http://metadata.un.org/sdg/3.'))) }"
    )
    assert int(counts["stated"]) == int(next(iter(stated))["n"].value) > 0
    assert int(counts["suggested"]) > 0 and int(counts["inherited"]) > 0


def test_sdg_goal_page_lists_suggested_elements_with_labels_and_targets(client: Any) -> None:
    page = client.get("/sdg/3").get_data(as_text=True)
    suggested = page.split("Suggested by the project", 1)[1].split("</ul>\n", 1)[0]
    links = re.findall(r'<a class="term" href="(/id/[^"]+)"[^>]*title="([^"]+)">([^<]+)</a>', suggested)
    assert links
    assert all(label != iri and not label.startswith("http") for _, iri, label in links)
    assert 'href="/sdg/3.4"' in suggested  # the target the suggestion names


def test_target_and_indicator_pages_name_them_without_a_kos_import(client: Any) -> None:
    target = client.get("/sdg/12.8").get_data(as_text=True)
    assert "people everywhere have the relevant information and awareness for sustainable development" in target
    indicator = client.get("/sdg/C030801").get_data(as_text=True)
    assert "Coverage of essential health services" in indicator
    objective = client.get("/id/kemi/kaupunkistrategia/objective/vihrea-ja-kestava-kemi")
    assert objective.status_code == 200
    assert re.search(r'href="/sdg/13.2"[^>]*>\s*<span class="sdg-num">13.2</span><span class="sdg-label" lang="en">Integrate climate change measures', objective.get_data(as_text=True))
