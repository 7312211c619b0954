"""Comparison queries (queries/compare-*.rq) over one merged graph: Kemi and the invented Esimerkkilä."""

from __future__ import annotations

from kemi_graph import queries
from kemi_graph.config import Settings
from kemi_graph.store import open_read_only

KEMI = "https://w3id.org/kemi-graph/id/kemi"
ESIM = "https://w3id.org/kemi-graph/id/esimerkkila"


def _rows(settings: Settings, name: str, **values: str) -> list[tuple[str, ...]]:
    result = queries.get(name).run(open_read_only(settings), values, base_iri=settings.base_iri)
    variables = [v.value for v in result.variables]
    return [tuple(row[v].value if row[v] is not None else "" for v in variables) for row in result]


def test_objectives_per_sdg_goal_per_municipality(imported_settings: Settings) -> None:
    every = _rows(imported_settings, "compare-objectives-per-sdg")
    rows = [(m, name, code, int(n), int(count)) for m, name, code, n, count, _, _ in every]
    kemi = [(KEMI, "Kemi", "240", goal, 6) for goal in (3, 6, 7, 8, 9, 11, 12, 13, 14, 15)]
    esim = [(ESIM, "Esimerkkilä", "999", goal, count) for goal, count in ((3, 2), (7, 2), (12, 1), (13, 2))]
    assert rows == sorted(kemi + esim, key=lambda r: (r[3], r[1]))
    # Stated on the objective and inherited from its strategic goal, kept apart: Kemi prints its
    # icons beside the strategic goal only, so none of its objectives states an SDG itself.
    split = {(m, int(n)): (int(stated), int(inherited)) for m, _, _, n, _, stated, inherited in every}
    assert all(split[(KEMI, goal)] == (0, 6) for goal in (3, 6, 7, 8, 9, 11, 12, 13, 14, 15))
    assert all(sum(split[(m, n)]) == count for m, _, _, n, count in rows)
    assert {n: v for (m, n), v in split.items() if m == ESIM} == {3: (1, 1), 7: (1, 1), 12: (1, 0), 13: (0, 2)}


def test_share_of_indicators_achieved(imported_settings: Settings) -> None:
    rows = [(m, goal, int(n), int(a), float(p)) for m, _, _, goal, n, a, p in _rows(imported_settings, "compare-indicators-achieved")]
    assert rows == [
        (ESIM, "HYVINVOIVA ESIMERKKILÄ", 2, 1, 50.0),
        (ESIM, "KESTÄVÄ YMPÄRISTÖ", 2, 1, 50.0),
        (KEMI, "ELINVOIMAINEN KAUPUNKI", 7, 2, 28.6),
        (KEMI, "HYVINVOIVAT KUNTALAISET", 18, 2, 11.1),
        (KEMI, "SUJUVA ARKI", 13, 2, 15.4),
    ]


def test_roles_per_municipality(imported_settings: Settings) -> None:
    rows = _rows(imported_settings, "compare-roles")
    esim = [(r[3], int(r[5])) for r in rows if r[0] == ESIM]
    assert esim == [("Tekninen johtaja", 2), ("Hyvinvointikoordinaattori", 1), ("Liikuntapäällikkö", 1), ("Rehtorit", 1), ("Ympäristösihteeri", 1)]
    assert {r[0] for r in rows} == {KEMI, ESIM}
    assert (KEMI, "Hyvinvointijohtaja", 7) in [(r[0], r[3], int(r[5])) for r in rows]


def test_one_municipality_asked_for_gives_exactly_its_rows(imported_settings: Settings) -> None:
    for name in ("compare-objectives-per-sdg", "compare-indicators-achieved", "compare-roles"):
        every = _rows(imported_settings, name)
        for municipality in (KEMI, ESIM):
            assert _rows(imported_settings, name, municipality=f"<{municipality}>") == [r for r in every if r[0] == municipality], name


def test_elements_of_two_municipalities_suggested_for_the_same_target(imported_settings: Settings) -> None:
    rows = _rows(imported_settings, "compare-shared-sdg-targets", municipalityB=f"<{ESIM}>")
    assert rows, "Kemi and Esimerkkilä share suggested targets"
    for row in rows:
        assert row[1] == KEMI and row[2] == "Kemi" and row[6] == ESIM and row[7] == "Esimerkkilä"
        assert row[0].startswith("http://metadata.un.org/sdg/")
    assert len(set(rows)) == len(rows)


def test_compare_queries_on_the_web(imported_settings: Settings, make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(open_read_only(imported_settings)).test_client()
    page = client.get("/queries")
    assert b"compare-objectives-per-sdg" in page.data
    response = client.get("/queries/compare-objectives-per-sdg")
    assert response.status_code == 200 and "Esimerkkilä" in response.get_data(as_text=True)


def test_the_comparison_page_shows_two_municipalities_side_by_side(imported_settings: Settings, make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(open_read_only(imported_settings)).test_client()
    kemi = imported_settings.base_iri + "/id/kemi"
    # In Finnish: a fi/en pair of a query is one column in the page's language.
    response = client.get("/compare", query_string={"a": kemi, "b": ESIM, "lang": "fi"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for query in ("compare-objectives-per-sdg", "compare-indicators-achieved", "compare-roles", "compare-shared-sdg-targets"):
        assert f"/queries/{query}" in body
    assert body.count(">Kemi<") > 3 and body.count(">Esimerkkilä<") > 3
    assert "Hyvinvointijohtaja" in body  # a Kemi post, from compare-roles


def test_the_comparison_page_refuses_an_unknown_municipality(imported_settings: Settings, make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(open_read_only(imported_settings)).test_client()
    response = client.get("/compare", query_string={"a": "https://example.org/nowhere"})
    assert response.status_code == 400
    assert "parameter 'a'" in response.get_data(as_text=True)
