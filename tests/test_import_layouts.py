"""Spreadsheets as municipalities keep them: heading rows or a strategic-goal column, columns in
any order, Finnish or English headings, extra columns ignored with a note, other headings mapped."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kemi_graph.cli import main
from kemi_graph.errors import InputError
from kemi_graph.importers.municipalities import check_table
from kemi_graph.importers.table import TableFile, convert_tables
from kemi_graph.namespaces import KG, Iris
from municipalities import CODE, CSV_2023, EXAMPLES, NAME, REPO

IRIS = Iris("https://w3id.org/kemi-graph")
COLUMNS_2023 = EXAMPLES / "columns" / "esimerkkila-2023.csv"
GOAL_HEADER = ["Strateginen päämäärä", "Tavoite", "Toimenpiteet", "Vastuu ja aikataulu", "Mittarit, arviointi", "Toteuma 1-12/2023", "SDG"]
ROW = ["HYVÄ ARKI", "Liikunta lisääntyy", "Uimahalli avataan", "Liikuntapäällikkö 2023", "Kävijöitä 100 krt/v", "Kävijöitä 120.", "3"]


def _csv(folder: Path, rows: list[list[str]], name: str = "t.csv") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    path = folder / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _graphs(path: Path, columns: dict[str, str] | None = None) -> tuple[Graph, Graph]:
    converted = convert_tables([TableFile(path, columns=columns)], IRIS, municipality="esimerkkila", name=NAME, code=CODE)
    return converted.city, converted.interpretation


def _without_locations(graph: Graph) -> tuple[set[tuple[object, ...]], set[URIRef]]:
    locations = set(graph.objects(None, KG.sourceLocation))
    return {t for t in graph if t[0] not in locations}, locations  # type: ignore[misc]


def test_both_layouts_of_the_same_table_import_to_the_same_elements() -> None:
    """Esimerkkilä 2023 with heading rows, and with a strategic-goal column (English headings, another
    column order, the goals' SDGs on rows of the goal alone): the same IRIs and triples; only the
    source locations differ, naming the cells of each file."""
    headings_city, headings_interpretation = _graphs(CSV_2023)
    column_city, column_interpretation = _graphs(COLUMNS_2023)

    assert set(column_interpretation) == set(headings_interpretation)
    column_triples, column_locations = _without_locations(column_city)
    heading_triples, heading_locations = _without_locations(headings_city)
    assert column_triples == heading_triples
    assert column_locations == heading_locations
    goal = IRIS.element("esimerkkila", "strategia", "goal", "hyvinvoiva-esimerkkila")
    [heading_cell] = [str(c) for loc in headings_city.objects(goal, KG.sourceLocation) for c in headings_city.objects(loc, KG.cell) if str(c).startswith("A")]
    [column_cell] = [str(c) for loc in column_city.objects(goal, KG.sourceLocation) for c in column_city.objects(loc, KG.cell) if str(c).startswith("A")]
    assert (heading_cell, column_cell) == ("A1", "A2")
    assert (goal, KG.sdg, URIRef("http://metadata.un.org/sdg/3")) in column_city


def test_the_column_layout_conforms_and_repeats_nothing_for_a_merged_goal_cell(tmp_path: Path) -> None:
    """An empty strategic-goal cell continues the goal above (merged cells read so)."""
    second = ["", "Yksinäisyys vähenee", "Kerho", "Hyte-koordinaattori 2023", "Kerhoja 4 krt/v", "Kerhoja 5.", ""]
    converted, year = check_table(_csv(tmp_path, [GOAL_HEADER, ROW, second]), IRIS, name="Testilä", code="998")
    assert year == 2023
    goals = set(converted.city.subjects(None, KG.StrategicGoal))
    assert len(goals) == 1
    assert len(set(converted.city.subjects(KG.strategicGoal, next(iter(goals))))) == 2


def test_extra_columns_are_ignored_with_a_note_naming_them(tmp_path: Path) -> None:
    notes: list[str] = []
    plain, _ = check_table(_csv(tmp_path, [GOAL_HEADER, ROW], "plain.csv"), IRIS, name="Testilä", code="998", log=notes.append)
    assert notes == []

    extra = _csv(tmp_path, [["Budjetti", *GOAL_HEADER, "Huomiot"], ["100 €", *ROW, "kesken"]], "plain.csv")
    converted, _ = check_table(extra, IRIS, name="Testilä", code="998", log=notes.append)

    assert notes == [f"plain.csv: sheet 'plain', row 1: ignored column(s) A 'Budjetti', I 'Huomiot': not one of the table's columns "
                     f"(Strateginen päämäärä / Strategic goal, Tavoite / Objective, Toimenpiteet / Actions, Vastuu ja aikataulu / "
                     f"Responsibility and schedule, Mittarit, arviointi / Indicators, evaluation, Toteuma / Results, SDG / SDG); "
                     f"their cells are not imported"]
    assert not any("100 €" in str(o) or "kesken" in str(o) for o in converted.city.objects())
    assert _without_locations(converted.city) == _without_locations(plain.city)


@pytest.mark.parametrize(
    "rows,where,message",
    [
        ([["Strateginen päämäärä: HYVÄ ARKI"], GOAL_HEADER, ROW], "row 2, column A (Strateginen päämäärä)", "use one layout"),
        ([GOAL_HEADER, ROW, ["Strateginen päämäärä: MUU"]], "row 3, column A", "use one layout"),
        ([["Päätavoite", "Keinot", "Vastuu"], ROW], "row 1, column A", "no header row above this row"),
        ([[*GOAL_HEADER, "Objective"], ROW], "row 1, column H", "column 'Tavoite' appears twice (also column B)"),
        ([GOAL_HEADER, ["", *ROW[1:]]], "row 2, column A (Strateginen päämäärä)", "the strategic goal is empty on the first row"),
        ([GOAL_HEADER, [*ROW, "x"]], "row 2, column H", "a value in a column without a heading"),
    ],
    ids=["heading row then goal column", "goal column then heading row", "unknown layout", "a column twice", "no goal", "value without heading"],
)
def test_ambiguous_or_unknown_layouts_are_refused_naming_sheet_row_and_column(tmp_path: Path, rows: list[list[str]], where: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check_table(_csv(tmp_path, rows), IRIS, name="Testilä", code="998")
    assert f"t.csv: sheet 't', {where}" in str(caught.value) and message in str(caught.value), str(caught.value)


def test_other_headings_are_mapped_by_option_or_by_the_yaml_beside_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = ["Teema", "Päätavoite", "Keinot", "Vastuutaho ja aikataulu", "Mittarit, arviointi", "Toteuma 1-12/2023", "SDG"]
    mapping = {"Strateginen päämäärä": "Teema", "Tavoite": "Päätavoite", "Toimenpiteet": "Keinot", "Vastuu ja aikataulu": "Vastuutaho ja aikataulu"}
    expected = _without_locations(_graphs(_csv(tmp_path, [GOAL_HEADER, ROW], "oma.csv"))[0])
    table = _csv(tmp_path, [own, ROW], "oma.csv")
    with pytest.raises(InputError, match="row 1: missing column\\(s\\) 'Tavoite', 'Toimenpiteet', 'Vastuu ja aikataulu' in the header row"):
        check_table(table, IRIS, name="Testilä", code="998")

    assert _without_locations(_graphs(table, columns=mapping)[0]) == expected
    with pytest.raises(InputError, match="'Tavoitteet ja keinot' is not one of the table's columns"):
        check_table(table, IRIS, name="Testilä", code="998", columns={"Tavoitteet ja keinot": "Päätavoite"})

    (tmp_path / "oma.columns.yaml").write_text("Strateginen päämäärä: Teema\nTavoite: Päätavoite\nToimenpiteet: Keinot\n", encoding="utf-8")
    dist = tmp_path / "dist"
    code = main(["--dist-dir", str(dist), "import", str(table), "--municipality", "Testilä", "--code", "998",
                 "--columns", "Vastuu ja aikataulu=Vastuutaho ja aikataulu"])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((dist / "imports" / "tables" / "testila" / "municipality.json").read_text(encoding="utf-8"))
    assert manifest["columns"] == {"2023": mapping}  # saved with the table: every later build reads it so


def test_the_template_comes_in_both_layouts() -> None:
    template = REPO / "examples" / "template"
    assert {p.name for p in template.iterdir()} >= {"strategy-template.csv", "strategy-template.xlsx",
                                                    "strategy-template-columns.csv", "strategy-template-columns.xlsx"}
    first = (template / "strategy-template-columns.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.split(";")[0] == "Strateginen päämäärä"
