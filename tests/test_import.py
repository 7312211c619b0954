"""``kemi-graph import``: any municipality's strategy table (XLSX, CSV) in Kemi's six-column layout.

Good files are converted into the same model as the curated Kemi data (checked with the same
SHACL shapes); bad files are refused with a message naming sheet, row and column, and nothing
of them is stored.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from rdflib import RDF

from kemi_graph.cli import main
from kemi_graph.config import Settings
from kemi_graph.errors import InputError
from kemi_graph.importers.municipalities import check_table
from kemi_graph.importers.table import TableFile, _short_hash, parse_table, sdg_mentions, slugify, split_elements
from kemi_graph.namespaces import KG, Iris
from kemi_graph.store import build_info, open_read_only, run_query
from municipalities import CODE, CSV_2023, NAME, XLSX_2024

IRIS = Iris("https://w3id.org/kemi-graph")
HEADER = ["Tavoite", "Toimenpiteet", "Vastuu ja aikataulu", "Mittarit, arviointi", "Toteuma 1-12/2023", "SDG"]
GOOD_ROW = ["Liikunta lisääntyy", "Uimahalli avataan", "Liikuntapäällikkö 2023", "Kävijöitä 100 krt/v", "Kävijöitä 120.", "3"]


def _rows(*data: list[str]) -> list[list[str]]:
    return [["Strateginen päämäärä: HYVÄ ARKI", "", "", "", "", ""], list(HEADER), *[list(r) for r in data]]


def _csv(folder: Path, rows: list[list[str]], delimiter: str = ";", bom: bool = True, name: str = "t.csv") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def _rewritten(path: Path, member: str, change: Callable[[str], str]) -> Path:
    """``path`` with one member of its zip (e.g. ``xl/worksheets/sheet1.xml``) rewritten by ``change``."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members[member] = change(members[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return path


def _xlsx(folder: Path, rows: list[list[str]], sheet: str = "Strategia") -> Path:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    path = folder / "t.xlsx"
    book.save(path)
    return path


# --- parsing ---------------------------------------------------------------------------------


def test_sdg_mentions_in_every_documented_form() -> None:
    assert sdg_mentions("3", "x") == ["3"]
    assert sdg_mentions("SDG 3", "x") == ["3"]
    assert sdg_mentions("3 TERVEYTTÄ JA HYVINVOINTIA", "x") == ["3"]
    assert sdg_mentions("3.8", "x") == ["3.8"]
    assert sdg_mentions("SDG 7, 13\n4.a", "x") == ["7", "13", "4.a"]


def test_cells_split_into_elements_by_line_and_sentence() -> None:
    assert split_elements("Yksi.\nKaksi. Kolme on tässä.") == [("Yksi.", 1), ("Kaksi.", 2), ("Kolme on tässä.", 3)]
    assert split_elements("Vain yksi") == [("Vain yksi", None)]
    assert slugify("Liikkuminen lisääntyy kaikissa ikäryhmissä") == "liikkuminen-lisaantyy-kaikissa-ikaryhmissa"


@pytest.mark.parametrize("delimiter,bom", [(";", True), (",", False), (",", True), (";", False)])
def test_csv_comma_or_semicolon_with_or_without_bom(tmp_path: Path, delimiter: str, bom: bool) -> None:
    parsed = parse_table(TableFile(_csv(tmp_path, _rows(GOOD_ROW), delimiter, bom)))
    assert parsed.year == 2023
    assert [g.text for g in parsed.goals] == ["HYVÄ ARKI"]
    assert [o.text for o in parsed.goals[0].objectives] == ["Liikunta lisääntyy"]


def test_example_files_convert_and_conform() -> None:
    converted, year = check_table(CSV_2023, IRIS, name=NAME, code=CODE)
    assert year == 2023
    converted, year = check_table(XLSX_2024, IRIS, name=NAME, code=CODE)
    assert year == 2024


# --- bad files: refused, naming the cell; nothing stored --------------------------------------


BAD = {
    "missing column": (_rows(GOOD_ROW[:5])[:1] + [HEADER[:5]] + [GOOD_ROW[:5]], "row 2", "missing column(s) 'SDG'"),
    "value without a heading": ([_rows()[0], HEADER, GOOD_ROW + ["100"]], "row 3, column G", "a value in a column without a heading"),
    "SDG out of range": (_rows(GOOD_ROW[:5] + ["18"]), "row 3, column F (SDG)", "SDG 18 is out of range"),
    "empty objective with actions": (_rows([""] + GOOD_ROW[1:]), "row 3, column A (Tavoite)", "the objective is empty"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bad_tables_are_refused_naming_sheet_row_and_column(tmp_path: Path, kind: str, fmt: str) -> None:
    rows, where, message = BAD[kind]
    path = _csv(tmp_path, rows) if fmt == "csv" else _xlsx(tmp_path, rows)
    sheet = "t" if fmt == "csv" else "Strategia"
    with pytest.raises(InputError) as caught:
        check_table(path, IRIS, name="Testilä", code="998")
    text = str(caught.value)
    assert f"sheet {sheet!r}, {where}" in text and message in text, text


def test_an_xlsx_whose_dimension_understates_its_rows_keeps_every_row(tmp_path: Path) -> None:
    """The stated <dimension> A1:F3 covers one objective row; the sheet holds four."""
    objectives = [[f"Tavoite numero {n}"] + GOOD_ROW[1:] for n in range(1, 5)]
    path = _rewritten(_xlsx(tmp_path, _rows(*objectives)), "xl/worksheets/sheet1.xml", lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:F3"', xml))
    parsed = parse_table(TableFile(path))
    assert [o.text for o in parsed.goals[0].objectives] == [row[0] for row in objectives]


LAUGHS = "<!DOCTYPE w [<!ENTITY l0 'ha'>" + "".join(f"<!ENTITY l{n} '{f'&l{n - 1};' * 10}'>" for n in range(1, 10)) + "]>"
ENTITIES = {  # (document type declaration, the reference put in cell A3)
    "external entity (XXE)": ("<!DOCTYPE w [<!ENTITY secret SYSTEM 'file:///etc/passwd'>]>", "&secret;"),
    "billion laughs": (LAUGHS, "&l9;"),
}


@pytest.mark.parametrize("kind", sorted(ENTITIES))
def test_an_xlsx_with_entities_is_refused_with_a_message(tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing is resolved or expanded: exit 2 naming the file, the sheet and the parser's reason."""
    declaration, reference = ENTITIES[kind]
    path = _rewritten(
        _xlsx(tmp_path, _rows(GOOD_ROW)), "xl/worksheets/sheet1.xml",
        lambda xml: declaration + xml.replace(f"<t>{GOOD_ROW[0]}</t>", f"<t>{reference}</t>"),
    )
    done = main(["--dist-dir", str(tmp_path / "dist"), "import", str(path), "--municipality", "Testilä", "--code", "998"])
    err = capsys.readouterr().err
    assert done == 2
    assert err.startswith(f"kemi-graph: {path}: sheet 'Strategia' is not readable: ") and "entit" in err, err
    assert not (tmp_path / "dist").exists()


def test_objectives_whose_slugs_and_hashes_clash_each_get_their_own_iri(tmp_path: Path) -> None:
    """Row 3's text is the slug row 5's clash would get (its first words plus the hash of its key)."""
    clash = "Liikunta lisääntyy?"
    taken = f"Liikunta lisääntyy {_short_hash('HYVÄ ARKI', clash)}"
    texts = [taken, "Liikunta lisääntyy", clash]
    converted, _ = check_table(_csv(tmp_path, _rows(*[[text] + GOOD_ROW[1:] for text in texts])), IRIS, name="Testilä", code="998")
    objectives = {str(o): str(converted.city.value(o, KG.verbatimText)) for o in converted.city.subjects(RDF.type, KG.Objective)}
    assert sorted(objectives.values()) == sorted(texts)
    again, _ = check_table(_csv(tmp_path, _rows(*[[text] + GOOD_ROW[1:] for text in texts]), name="again.csv"), IRIS, name="Testilä", code="998")
    assert {str(o) for o in again.city.subjects(RDF.type, KG.Objective)} == set(objectives), "the same file gives the same IRIs"


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="broken.xlsx: not a readable XLSX workbook"):
        check_table(broken, IRIS, name="Testilä", code="998")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(("Strateginen päämäärä: HYVÄ\n" + ";".join(HEADER)).encode("latin-1"))
    with pytest.raises(InputError, match="latin1.csv: not UTF-8"):
        check_table(latin1, IRIS, name="Testilä", code="998")
    with pytest.raises(InputError, match="no such file"):
        check_table(tmp_path / "missing.csv", IRIS, name="Testilä", code="998")


def test_a_refused_file_leaves_the_store_untouched(imported_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = build_info(imported_settings)
    count = len(open_read_only(imported_settings))
    files = sorted(p.name for p in (imported_settings.dist_dir / "imports").rglob("*"))
    for kind in sorted(BAD):
        path = _csv(tmp_path, BAD[kind][0], name=f"{kind.replace(' ', '-')}.csv")
        code = main(["--dist-dir", str(imported_settings.dist_dir), "import", str(path), "--municipality", "Testilä", "--code", "998"])
        assert code == 2
        assert "row" in capsys.readouterr().err
        assert len(open_read_only(imported_settings)) == count
    assert build_info(imported_settings) == before
    assert sorted(p.name for p in (imported_settings.dist_dir / "imports").rglob("*")) == files


# --- imported data ----------------------------------------------------------------------------


def test_import_saves_the_tables_for_later_builds(imported_settings: Settings) -> None:
    folder = imported_settings.dist_dir / "imports" / "tables" / "esimerkkila"
    manifest = json.loads((folder / "municipality.json").read_text(encoding="utf-8"))
    assert manifest["name"] == NAME and manifest["code"] == CODE
    assert manifest["files"] == {"2023": "2023.csv", "2024": "2024.xlsx"}
    graphs = build_info(imported_settings)["graphs"]
    for kind in ("city", "interpretation", "inferred", "suggested"):
        assert f"https://w3id.org/kemi-graph/graph/esimerkkila/{kind}" in graphs


def test_one_objective_keeps_its_identity_with_one_result_per_year(imported_settings: Settings) -> None:
    rows = run_query(open_read_only(imported_settings), """
        PREFIX kg: <https://w3id.org/kemi-graph/ontology#>
        PREFIX time: <http://www.w3.org/2006/time#>
        SELECT DISTINCT ?objective ?year ?text ?status WHERE {
          ?objective a kg:Objective ; kg:verbatimText "Liikkuminen lisääntyy kaikissa ikäryhmissä"@fi .
          ?result kg:resultOf ?objective ; kg:verbatimText ?text ; kg:status ?status ;
                  kg:period/time:hasBeginning/time:inXSDDate ?start .
          BIND(YEAR(?start) AS ?year)
        } ORDER BY ?year""")
    found = [(r["objective"].value, int(r["year"].value), r["text"].value, r["status"].value) for r in rows]
    objective = "https://w3id.org/kemi-graph/id/esimerkkila/strategia/objective/liikkuminen-lisaantyy-kaikissa-ikaryhmissa"
    kg = "https://w3id.org/kemi-graph/ontology#"
    assert found == [
        (objective, 2023, "Liikkuvien oppilaiden osuus oli 64 %.", kg + "achieved"),
        (objective, 2024, "Liikkuvien oppilaiden osuus oli 58 %.", kg + "notAchieved"),
    ]


def test_source_locations_name_sheet_row_and_cell(imported_settings: Settings) -> None:
    rows = run_query(open_read_only(imported_settings), """
        PREFIX kg: <https://w3id.org/kemi-graph/ontology#>
        SELECT DISTINCT ?doc ?sheet ?cell ?line WHERE {
          ?action a kg:Action ; kg:verbatimText "Uimahallin aukioloaikoja pidennetään."@fi ; kg:sourceLocation ?loc .
          ?loc kg:sheet ?sheet ; kg:cell ?cell ; kg:line ?line ; kg:sourceDocument/kg:sourceFile ?doc .
        } ORDER BY ?doc""")
    assert [(r["doc"].value, r["sheet"].value, r["cell"].value, int(r["line"].value)) for r in rows] == [
        ("esimerkkila-2023.csv", "esimerkkila-2023", "B3", 3),
        ("esimerkkila-2024.xlsx", "Strategia", "B3", 3),
    ]


def test_a_later_build_keeps_the_imported_municipality(imported_settings: Settings, tmp_path: Path) -> None:
    import shutil

    from kemi_graph.pipeline.run import build

    copy = Settings(dist_dir=tmp_path / "dist")
    shutil.copytree(imported_settings.dist_dir, copy.dist_dir)
    build(copy, log=lambda line: None)
    assert build_info(copy)["graphs"] == build_info(imported_settings)["graphs"]


@pytest.mark.parametrize("name,code", [("Toinen Kemi", "240"), ("Esimerkkilän kaksonen", CODE)])
def test_a_code_another_municipality_has_is_refused(
    imported_settings: Settings, name: str, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kemi's own 240 (curated) and Esimerkkilä's code (imported) name one municipality each."""
    before = build_info(imported_settings)
    done = main(["--dist-dir", str(imported_settings.dist_dir), "import", str(CSV_2023), "--municipality", name, "--code", code])
    assert done == 2
    err = capsys.readouterr().err
    assert f"code {code!r} is already the code of" in err
    assert build_info(imported_settings) == before
