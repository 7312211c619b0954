"""Named-query pages: headings in the page language from the query header, one column per value,
tables that scroll inside their box; /compare with one municipality."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kemi_graph import queries, resources
from kemi_graph.errors import InputError

BASE = "https://w3id.org/kemi-graph"


def _headings(page: str) -> list[str]:
    head = page.split('<table class="counts results">', 1)[1].split("</thead>", 1)[0]
    return re.findall(r'<th scope="col">([^<]*)</th>', head)


def test_query_page_heads_columns_in_the_page_language_one_column_per_value(client: Any) -> None:
    english = _headings(client.get("/queries/goals-objectives").get_data(as_text=True))
    assert english == ["Municipality", "Strategic goal (IRI)", "Strategic goal", "Objective (IRI)", "Objective"]
    finnish_page = client.get("/queries/goals-objectives?lang=fi").get_data(as_text=True)
    assert _headings(finnish_page) == ["Kunta", "Strateginen päämäärä (IRI)", "Strateginen päämäärä", "Tavoite (IRI)", "Tavoite"]
    assert "ELINVOIMAINEN KAUPUNKI" in finnish_page
    assert "A vital city" in client.get("/queries/goals-objectives").get_data(as_text=True)


def test_csv_of_a_query_keeps_every_variable(client: Any) -> None:
    header = client.get("/queries/goals-objectives?format=csv").get_data(as_text=True).splitlines()[0]
    assert header.split(",") == ["municipality", "goal", "goalFi", "goalEn", "objective", "objectiveFi", "objectiveEn"]


def test_query_without_column_lines_is_headed_by_variable_names(client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every query of queries/ has column lines now: a copy of one without them stands in.
    sparql = "\n".join(line for line in queries.get("periods").path.read_text(encoding="utf-8").splitlines() if not line.startswith("# column:"))
    (tmp_path / "periods.rq").write_text(sparql + "\n", encoding="utf-8")
    monkeypatch.setattr(resources, "queries_dir", lambda: tmp_path)
    bare = queries.get("periods")
    assert bare.columns == ()
    page = client.get("/queries/periods").get_data(as_text=True)
    assert _headings(page) == [v.value for v in bare.run(client.application.extensions["kemi_graph"].current().store, base_iri=BASE).variables]


# A value for each required parameter without a default, so every page shows its table.
REQUIRED_VALUES = {"search": {"text": "kaupunki"}}


@pytest.mark.parametrize("name", sorted(queries.all_queries()))
def test_every_query_page_heads_every_column_in_either_language(client: Any, name: str) -> None:
    """No named query's page shows a raw variable name as a heading: every SELECT variable has a
    column line, and a Finnish/English pair is one column."""
    named = queries.all_queries()[name]
    values = REQUIRED_VALUES.get(name, {})
    assert all(p.name in values for p in named.params if p.required and p.default is None), f"{name}: give REQUIRED_VALUES a value"
    store = client.application.extensions["kemi_graph"].current().store
    variables = [v.value for v in named.run(store, values, base_iri=BASE).variables]
    assert [v for v in variables if named.column_of(v) is None] == [], f"{name}: variables without a column line"
    expected = {lang: [c.heading(lang) for c in named.columns] for lang in ("en", "fi")}
    for lang in ("en", "fi"):
        page = client.get(f"/queries/{name}", query_string={**values, "lang": lang})
        assert page.status_code == 200
        headings = _headings(page.get_data(as_text=True))
        assert set(headings).isdisjoint(variables), f"{name} ({lang}): a variable name as a heading"
        assert sorted(headings) == sorted(expected[lang]), f"{name} ({lang}): one column per value"


def test_a_page_in_finnish_shows_the_finnish_headings(client: Any) -> None:
    page = client.get("/queries/post-responsibility-counts?lang=fi").get_data(as_text=True)
    assert _headings(page) == ["Tehtävä (IRI)", "Tehtävä", "Vastuita", "Tavoitteita", "Strategisia päämääriä"]
    english = client.get("/queries/post-responsibility-counts").get_data(as_text=True)
    assert _headings(english) == ["Post (IRI)", "Post", "Responsibilities", "Objectives", "Strategic goals"]


def test_result_tables_scroll_inside_their_box(client: Any) -> None:
    page = client.get("/queries/indicator-status").get_data(as_text=True)
    assert '<div class="table-scroll">\n<table class="counts results">' in page
    assert "/static/report.css" in page
    assert "overflow-x: auto" in client.get("/static/report.css").get_data(as_text=True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("# column: nothere  fi=A | en=B", "not a variable of the SELECT clause"),
        ("# column: x  fi=Vain suomeksi", "needs headings fi=... | en=..."),
        ("# column: a/b/c  fi=A | en=B", "FINNISH/ENGLISH"),
    ],
)
def test_a_bad_column_line_is_an_error_naming_the_file(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.rq"
    path.write_text(f"# title@en: T\n# title@fi: T\n{line}\nSELECT ?x WHERE {{ ?x ?p ?o }}\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)) as error:
        queries.parse(path)
    assert str(path) in str(error.value)


def test_compare_with_one_municipality_says_so_and_does_not_compare_it_with_itself(client: Any) -> None:
    page = client.get("/compare").get_data(as_text=True)
    assert "only one municipality" in page
    assert 'name="b"' not in page
    assert "Kemi" in page
    assert "municipalityB" not in page
    assert "only one municipality" not in client.get("/compare?lang=fi").get_data(as_text=True)
    assert "vain yksi kunta" in client.get("/compare?lang=fi").get_data(as_text=True)
