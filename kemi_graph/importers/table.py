"""Any municipality's strategy table (XLSX or CSV), with heading rows or a strategic-goal column, to RDF.

The layouts (docs/import.md, templates in ``examples/template/``):

- a header row names the six columns ``Tavoite | Toimenpiteet | Vastuu ja aikataulu |
  Mittarit, arviointi | Toteuma [period] | SDG`` in Finnish or English (``Objective | Actions |
  ...``), in any order; headings it does not know are ignored with a note (``_Parsed.notes``),
  and ``TableFile.columns`` maps other headings to the columns;
- either heading rows ``Strateginen päämäärä: NAME`` (first cell) start each strategic goal, SDG
  mentions in the heading row's SDG cell belonging to the goal as a whole; or a seventh column
  ``Strateginen päämäärä`` / ``Strategic goal`` names the goal on every row. A table with both
  is refused;
- every other non-empty row is one objective: its cells hold the actions, the responsibility
  and schedule, the indicators, the reported results and the SDG mentions of that objective.

Cells are split into elements as the Kemi data is: one element per line, or per sentence where
a line holds several. Element IRIs are stable slugs of the text (the first words, ASCII), so
the same objective imported for 2023 and for 2024 is one resource with one result per period.
A source location names the file, sheet, row (``kg:line``/``kg:row``) and column letter.

Everything is checked before anything is stored: an unreadable file, a missing column, a
layout that is mixed or not recognised, an SDG number out of range, an objective cell left empty beside actions, ... raise an
:class:`InputError` whose message names the file, sheet, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import RDF, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kemi_graph.errors import InputError
from kemi_graph.importers.common import (
    COLUMNS,
    STATUSES,
    UNITS,
    ConvertedStrategy,
    add_interval,
    add_provenance,
    add_source_location,
    new_graph,
)
from kemi_graph.namespaces import KG, ORG, SDG, Iris

STRATEGY_SLUG = "strategia"
PLAN_SLUG = "toimeenpano"
HEADING = re.compile(r"^\s*(?:strateginen\s+päämäärä|strategic\s+goal)\s*:\s*(?P<name>.*?)\s*$", re.IGNORECASE | re.DOTALL)
# Header cell (normalised: lower case, single spaces, no punctuation) → column kind; Finnish and English.
HEADERS = {
    "strateginen päämäärä": "goal",
    "strategiset päämäärät": "goal",
    "strategic goal": "goal",
    "strategic goals": "goal",
    "tavoite": "objective",
    "tavoitteet": "objective",
    "objective": "objective",
    "objectives": "objective",
    "toimenpiteet": "action",
    "toimenpide": "action",
    "actions": "action",
    "action": "action",
    "measures": "action",
    "vastuu ja aikataulu": "responsibility",
    "responsibility and schedule": "responsibility",
    "responsibility and timetable": "responsibility",
    "mittarit arviointi": "indicator",
    "mittarit ja arviointi": "indicator",
    "mittari": "indicator",
    "mittarit": "indicator",
    "indicators evaluation": "indicator",
    "indicators and evaluation": "indicator",
    "indicators": "indicator",
    "indicator": "indicator",
    "toteuma": "result",
    "sdg": "sdg",
    "sdgt": "sdg",
    "sdgs": "sdg",
}
HEADINGS_FI = {
    "goal": "Strateginen päämäärä",
    "objective": "Tavoite",
    "action": "Toimenpiteet",
    "responsibility": "Vastuu ja aikataulu",
    "indicator": "Mittarit, arviointi",
    "result": "Toteuma",
    "sdg": "SDG",
}
HEADINGS_EN = {
    "goal": "Strategic goal",
    "objective": "Objective",
    "action": "Actions",
    "responsibility": "Responsibility and schedule",
    "indicator": "Indicators, evaluation",
    "result": "Results",
    "sdg": "SDG",
}
SDG_MENTION = re.compile(
    r"^(?:(?:sdg|kkt|goal|tavoite)\s*[-:#]?\s*)?(?P<goal>\d{1,3})(?:\.(?P<target>\d{1,2}|[a-z]))?(?![\d.])\s*(?P<label>.*)$",
    re.IGNORECASE | re.DOTALL,
)
YEAR_RANGE = re.compile(r"(?P<start>(?:19|20)\d\d)\s*(?P<dash>[-–])?\s*(?P<end>(?:19|20)\d\d)?")
PERIOD_IN_HEADER = re.compile(r"(?:(?P<m1>\d{1,2})\s*[-–]\s*(?P<m2>\d{1,2})\s*/\s*)?(?P<year>(?:19|20)\d\d)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])")
BULLET = re.compile(r"^\s*(?:[-•*–]\s+)")
# Roles of the DOMAIN glossary, for English labels of posts read from the responsibility column.
POST_EN = {
    "hyvinvointijohtaja": "Director of Welfare",
    "toimialajohtaja": "Head of Sector",
    "tulosaluepäällikkö": "Head of Result Area",
    "tulosaluepäälliköt": "Heads of Result Area",
    "lähiesihenkilö": "Line Manager",
    "lähiesihenkilöt": "Line Managers",
    "henkilöstö": "Staff",
    "varhaiskasvatuspäällikkö": "Head of Early Childhood Education",
    "johtava rehtori": "Leading Principal",
    "rehtori": "Principal",
    "rehtorit": "Principals",
    "vapaa-aikapäällikkö": "Head of Leisure Services",
    "hyte-koordinaattori": "Health and Wellbeing Promotion Coordinator",
    "nuorisosihteeri": "Youth Secretary",
    "sivistysjohtaja": "Director of Education",
    "kaupunginjohtaja": "Mayor",
    "kunnanjohtaja": "Municipal Manager",
    "kirjastotoimenjohtaja": "Head of Library Services",
}
METHOD = (
    "Read by kemi-graph's table importer (kemi_graph/importers/table.py) from the municipality's "
    "strategy table: posts and schedules parsed from the 'Vastuu ja aikataulu' cell (names split at "
    "commas, 'ja' and line breaks; a year, 'YYYY-' or 'YYYY-YYYY' is the schedule); targets parsed "
    "from indicator text (N %, N krt/v, N €, 'vuoden YYYY loppuun mennessä', D.M.YYYY); numbers in "
    "results as measurements; a result answers an indicator of its objective when the objective has "
    "one indicator, or as many indicators as results (paired in order); status: the result's number "
    "against the target in the same unit, else words ('ei toteutunut', 'osittain', 'toteutunut', "
    "'käytössä', ...), else not known where it says so ('ei tiedossa') or the indicator has a target level, "
    "else no target. Deterministic; English labels only for roles in the project's glossary."
)
SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass(frozen=True)
class Row:
    sheet: str
    number: int  # 1-based row of the sheet
    cells: tuple[str, ...]


@dataclass(frozen=True)
class TableFile:
    """One imported file: one reporting year of one municipality."""

    path: Path
    year: int | None = None  # None: read from the 'Toteuma 1-12/YYYY' header
    name: str | None = None  # the file's original name (a saved import is stored as {year}.csv)
    columns: Mapping[str, str] | None = None  # other headings: {column name (fi or en): the file's heading}

    @property
    def display(self) -> Path:
        return Path(self.name) if self.name else self.path


@dataclass
class _Objective:
    text: str
    row: Row
    cells: dict[str, tuple[str, int]]  # kind → (cell text, column index)


@dataclass
class _Goal:
    text: str
    row: Row  # its heading row, or the first row naming it in the strategic-goal column
    column: int | None  # that column; None: a heading row
    sdg: tuple[str, int, Row] | None  # SDG mentions of the goal as a whole: cell text, column, row
    header: dict[int, str]
    header_row: Row | None
    objectives: list[_Objective] = field(default_factory=list)


@dataclass
class _Parsed:
    path: Path
    year: int
    period_label: str | None
    goals: list[_Goal]
    notes: list[str] = field(default_factory=list)  # what was read past (columns ignored), for the importer to say


# --- reading ------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def read_rows(path: Path, display: Path | None = None) -> list[Row]:
    """The non-empty rows of every sheet (XLSX) or of the file (CSV: comma or semicolon, UTF-8 with or without BOM)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: unknown table type {path.suffix!r}; use .xlsx or .csv")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the file: {error.strerror or error}") from error
    if suffix == ".csv":
        return _csv_rows(display or path, data)
    return _xlsx_rows(display or path, data)


def _csv_rows(path: Path, data: bytes) -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start}): save the CSV as UTF-8") from error
    if "\x00" in text:
        raise InputError(f"{path}: not a CSV text file")
    best: list[Row] | None = None
    for delimiter in (";", ","):
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
        except csv.Error as error:
            if best is None and delimiter == ",":
                raise InputError(f"{path}: not a readable CSV file: {error}") from error
            continue
        rows = [Row(path.stem, n, tuple(_cell_text(c) for c in record)) for n, record in enumerate(records, start=1)]
        rows = [row for row in rows if any(row.cells)]
        if any(_header_kinds(row.cells)[0] >= 4 for row in rows):
            return rows
        if best is None or sum(len(r.cells) for r in rows) > sum(len(r.cells) for r in best):
            best = rows
    return best or []


def _xlsx_rows(path: Path, data: bytes) -> list[Row]:
    try:
        import openpyxl
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise InputError("reading .xlsx needs openpyxl (pip install openpyxl)") from error
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # zipfile, XML and openpyxl errors all mean "not a readable workbook"
        raise InputError(f"{path}: not a readable XLSX workbook: {error}") from error
    rows: list[Row] = []
    try:
        for sheet in workbook.worksheets:
            # Read-only mode stops at the sheet's stated <dimension>, which a file may understate:
            # forget it, so every row in the file is read.
            sheet.reset_dimensions()
            try:
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    cells = tuple(_cell_text(v) for v in values)
                    if any(cells):
                        rows.append(Row(sheet.title, number, cells))
            except Exception as error:  # a sheet's XML is parsed only now (undefined or exploding entities, ...)
                raise InputError(f"{path}: sheet {sheet.title!r} is not readable: {error}") from error
    finally:
        workbook.close()
    return rows


def _normalise_header(text: str) -> str:
    text = re.sub(r"[^\wåäö ]+", " ", text.lower())
    return " ".join(text.split())


def _header_kind(text: str, mapped: Mapping[str, str] | None = None) -> str | None:
    norm = _normalise_header(text)
    if mapped and norm in mapped:
        return mapped[norm]
    if norm in HEADERS:
        return HEADERS[norm]
    if norm.startswith(("toteuma", "result")):  # the reporting period follows: 'Toteuma 1-12/2023', 'Results 2024'
        return "result"
    return None


def _header_kinds(cells: Sequence[str], mapped: Mapping[str, str] | None = None) -> tuple[int, dict[int, str]]:
    kinds = {i: _header_kind(c, mapped) for i, c in enumerate(cells) if c}
    found = {i: k for i, k in kinds.items() if k}
    return len(set(found.values())), found


def column_mapping(pairs: Mapping[str, str], where: str) -> dict[str, str]:
    """``{NAME: COLUMN}`` (NAME one of the table's columns in Finnish or English, COLUMN a heading of
    the file) as normalised heading → column kind; InputError names ``where`` (the option or file)."""
    mapped: dict[str, str] = {}
    for name, heading in pairs.items():
        kind = _header_kind(str(name))
        if kind is None:
            raise InputError(f"{where}: {name!r} is not one of the table's columns ({_column_names()})")
        if not str(heading).strip():
            raise InputError(f"{where}: the column for {name!r} is empty")
        mapped[_normalise_header(str(heading))] = kind
    return mapped


def _column_names() -> str:
    return ", ".join(f"{HEADINGS_FI[k]} / {HEADINGS_EN[k]}" for k in HEADINGS_FI)


# --- parsing the layout ---------------------------------------------------------------------


def _where(path: Path, row: Row, column: int | None = None, kind: str | None = None) -> str:
    where = f"{path.name}: sheet {row.sheet!r}, row {row.number}"
    if column is not None:
        where += f", column {column_letter(column)}"
        if kind:
            where += f" ({HEADINGS_FI[kind]})"
    return where


@dataclass
class _Header:
    row: Row
    kinds: dict[int, str]  # column index → kind, for the columns read
    goal_column: int | None  # the column layout's strategic-goal column; None: heading rows


class _LayoutReader:
    """Reads one file's rows in either layout: heading rows (``Strateginen päämäärä: NAME`` above
    its objectives) or a strategic-goal column (one row per objective, the goal on every row; an
    empty goal cell continues the goal above, as merged cells read)."""

    def __init__(self, table: TableFile) -> None:
        self.path = table.display
        self.year = table.year
        self.mapped = column_mapping(table.columns, f"{self.path.name}: the column mapping") if table.columns else {}
        self.period_label: str | None = None
        self.header: _Header | None = None
        self.headings: Row | None = None  # the first heading row, for a table that mixes the layouts
        self.goals: list[_Goal] = []
        self.by_text: dict[str, _Goal] = {}
        self.last: _Goal | None = None  # the column layout's goal of the row above
        self.ignored: set[tuple[str, tuple[str, ...]]] = set()
        self.notes: list[str] = []

    def read(self, rows: list[Row]) -> _Parsed:
        for row in rows:
            first = next(i for i, c in enumerate(row.cells) if c)
            heading = HEADING.match(row.cells[first])
            count, kinds = _header_kinds(row.cells, self.mapped)
            if heading and count < 3:
                self._heading(row, first, heading["name"])
            elif count >= 3:
                self._header(row, kinds)
            elif self.header is None:
                raise InputError(f"{_where(self.path, row, first)}: no header row above this row; the table's columns are {_column_names()} "
                                 f"(map other names with --columns NAME=COLUMN or a .columns.yaml file, docs/import.md)")
            elif self.header.goal_column is None:
                self._objective_under_heading(row, first)
            else:
                self._objective_in_goal_column(row)
        return self._finish()

    def _heading(self, row: Row, first: int, name: str) -> None:
        if self.header is not None and self.header.goal_column is not None:
            raise InputError(f"{_where(self.path, row, first)}: a heading row {row.cells[first][:60]!r}, but the header row "
                             f"(row {self.header.row.number}) has a strategic-goal column (column {column_letter(self.header.goal_column)}): "
                             f"use one layout, heading rows or the column")
        name = " ".join(name.split())
        if not name:
            raise InputError(f"{_where(self.path, row, first)}: the heading names no strategic goal (write 'Strateginen päämäärä: NAME')")
        sdg_index = next((i for i, k in (self.header.kinds if self.header else {}).items() if k == "sdg"), 5)
        sdg = None
        for i, cell in enumerate(row.cells):
            if cell and i != first:
                if i != sdg_index:
                    raise InputError(f"{_where(self.path, row, i)}: a heading row holds only the strategic goal and its SDG mentions (column {column_letter(sdg_index)})")
                sdg = (cell, i, row)
        self.headings = self.headings or row
        self.goals.append(_Goal(name, row, None, sdg, self.header.kinds if self.header else {}, self.header.row if self.header else None))

    def _header(self, row: Row, kinds: dict[int, str]) -> None:
        seen: dict[str, int] = {}
        ignored: list[str] = []
        for i, cell in enumerate(row.cells):
            kind = kinds.get(i)
            if not cell:
                continue
            if kind is None:
                ignored.append(f"{column_letter(i)} {cell!r}")
                continue
            if kind in seen:
                raise InputError(f"{_where(self.path, row, i)}: column {HEADINGS_FI[kind]!r} appears twice (also column {column_letter(seen[kind])})")
            seen[kind] = i
            if kind == "result":
                found = PERIOD_IN_HEADER.search(cell)
                if found:
                    self.period_label = found.group(0).replace(" ", "")
                    if self.year is None:
                        self.year = int(found["year"])
        missing = [HEADINGS_FI[k] for k in HEADINGS_FI if k not in seen and k != "goal"]
        if missing:
            raise InputError(f"{_where(self.path, row)}: missing column(s) {', '.join(repr(m) for m in missing)} in the header row "
                             f"(the columns are {_column_names()}; map other names with --columns NAME=COLUMN)")
        goal_column = seen.get("goal")
        if goal_column is not None and self.headings is not None:
            raise InputError(f"{_where(self.path, row, goal_column, 'goal')}: a strategic-goal column, but row {self.headings.number} "
                             f"of sheet {self.headings.sheet!r} is a heading row 'Strateginen päämäärä: ...': use one layout, heading rows or the column")
        if ignored and (row.sheet, tuple(ignored)) not in self.ignored:  # a header repeated under every heading: one note
            self.ignored.add((row.sheet, tuple(ignored)))
            self.notes.append(f"{_where(self.path, row)}: ignored column(s) {', '.join(ignored)}: not one of the table's columns "
                              f"({_column_names()}); their cells are not imported")
        self.header = _Header(row, {i: k for i, k in kinds.items() if row.cells[i]}, goal_column)
        if self.goals and not self.goals[-1].objectives and goal_column is None:
            self.goals[-1].header, self.goals[-1].header_row = self.header.kinds, row

    def _cells(self, row: Row) -> dict[str, tuple[str, int]]:
        assert self.header is not None
        read = self.header.kinds
        ignored = {i for i, c in enumerate(self.header.row.cells) if c and i not in read}
        extra = [i for i, c in enumerate(row.cells) if c and i not in read and i not in ignored]
        if extra:
            raise InputError(f"{_where(self.path, row, extra[0])}: a value in a column without a heading: {row.cells[extra[0]][:60]!r}")
        return {kind: (row.cells[i] if i < len(row.cells) else "", i) for i, kind in read.items()}

    def _empty_objective(self, row: Row, cells: dict[str, tuple[str, int]]) -> InputError:
        filled = next((k for k in ("action", "responsibility", "indicator", "result", "sdg") if cells[k][0]), "action")
        return InputError(
            f"{_where(self.path, row, cells['objective'][1], 'objective')}: the objective is empty, but the row has "
            f"{HEADINGS_FI[filled]!r} (column {column_letter(cells[filled][1])}); every row needs its objective"
        )

    def _objective_under_heading(self, row: Row, first: int) -> None:
        if not self.goals:
            raise InputError(f"{_where(self.path, row, first)}: an objective before the first heading 'Strateginen päämäärä: ...' "
                             f"(or give the table a 'Strateginen päämäärä' column)")
        cells = self._cells(row)
        if not cells["objective"][0]:
            raise self._empty_objective(row, cells)
        self.goals[-1].objectives.append(_Objective(cells["objective"][0], row, cells))

    def _objective_in_goal_column(self, row: Row) -> None:
        cells = self._cells(row)
        text, column = cells.pop("goal")
        heading = HEADING.match(text)
        name = " ".join((heading["name"] if heading else text).split())
        if name:
            goal = self.by_text.get(name)
            if goal is None:
                goal = self.by_text[name] = _Goal(name, row, column, None, self.header.kinds, self.header.row)  # type: ignore[union-attr]
                self.goals.append(goal)
        elif self.last is not None:
            goal = self.last
        else:
            raise InputError(f"{_where(self.path, row, column, 'goal')}: the strategic goal is empty on the first row of the table")
        self.last = goal
        if cells["objective"][0]:
            goal.objectives.append(_Objective(cells["objective"][0], row, cells))
            return
        if any(cells[k][0] for k in ("action", "responsibility", "indicator", "result")) or not cells["sdg"][0]:
            raise self._empty_objective(row, cells)
        # A row of the goal alone: its SDG mentions belong to the strategic goal, as a heading row's do.
        if goal.sdg is not None:
            raise InputError(f"{_where(self.path, row, cells['sdg'][1], 'sdg')}: the strategic goal {goal.text!r} has its SDG mentions already on row {goal.sdg[2].number}")
        goal.sdg = (cells["sdg"][0], cells["sdg"][1], row)

    def _finish(self) -> _Parsed:
        path, year = self.path, self.year
        if year is None:
            raise InputError(f"{path.name}: no reporting year: give --year, or name it in the header ('Toteuma 1-12/2023')")
        if not 1900 <= year <= 2100:
            raise InputError(f"{path.name}: reporting year {year} is out of range")
        for goal in self.goals:
            if not goal.objectives:
                raise InputError(f"{_where(path, goal.row, goal.column or 0)}: the strategic goal {goal.text!r} has no objective rows")
        if not self.goals:
            raise InputError(f"{path.name}: no strategic goal was found: neither a heading row 'Strateginen päämäärä: ...' nor a 'Strateginen päämäärä' column")
        return _Parsed(path, year, self.period_label, self.goals, self.notes)


def parse_table(table: TableFile) -> _Parsed:
    """The strategic goals and objectives of one file; InputError names sheet, row and column."""
    rows = read_rows(table.path, table.display)
    if not rows:
        raise InputError(f"{table.display.name}: the file holds no rows")
    return _LayoutReader(table).read(rows)


def sdg_mentions(text: str, where: str) -> list[str]:
    """UN SDG codes in a cell: "3", "SDG 3", "3 TERVEYTTÄ JA HYVINVOINTIA", "3.8"; several split at lines, ';' or ','."""
    found: list[str] = []
    pieces = [p.strip() for p in re.split(r"[\n;,]+", text) if p.strip()]
    for piece in pieces:
        match = SDG_MENTION.match(piece)
        if match is None:
            raise InputError(f"{where}: {piece!r} is not an SDG mention (a goal number 1-17 such as '3', 'SDG 3' or '3 TERVEYTTÄ JA HYVINVOINTIA', or a target such as '3.8')")
        goal = int(match["goal"])
        if not 1 <= goal <= 17:
            raise InputError(f"{where}: SDG {goal} is out of range: the goals are numbered 1 to 17 ({piece!r})")
        code = f"{goal}.{match['target'].lower()}" if match["target"] else str(goal)
        if code not in found:
            found.append(code)
    return found


def split_elements(cell: str) -> list[tuple[str, int | None]]:
    """A cell's elements: one per line, or per sentence where a line holds several; (text, sentence number or None)."""
    pieces: list[str] = []
    for line in cell.split("\n"):
        line = BULLET.sub("", line).strip()
        if line:
            pieces.extend(p.strip() for p in SENTENCE_END.split(line) if p.strip())
    return [(piece, (n if len(pieces) > 1 else None)) for n, piece in enumerate(pieces, start=1)]


def slugify(text: str, words: int = 6, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    parts = re.findall(r"[a-z0-9]+", ascii_text)[:words]
    slug = "-".join(parts)[:limit].strip("-")
    return slug or "x"


def _short_hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:6]


# --- the converter ---------------------------------------------------------------------------


class _TableConverter:
    def __init__(self, iris: Iris, municipality: str, name: str, code: str, parsed: list[_Parsed]) -> None:
        self.iris = iris
        self.m = municipality
        self.s = STRATEGY_SLUG
        self.name = name
        self.code = code
        self.parsed = sorted(parsed, key=lambda p: p.year)
        self.city = new_graph()
        self.interp = new_graph()
        self.slugs: dict[str, dict[str, tuple[str, ...]]] = {}  # kind → slug → the key it names
        self.slug_of: dict[tuple[str, tuple[str, ...]], str] = {}  # (kind, key) → its slug
        self.next_number: dict[str, int] = {}  # "{kind}/{slug stem}" → the next number to try
        self.locations: dict[str, int] = {}  # a location IRI without its number → locations so far
        self.posts: dict[str, URIRef] = {}
        self.indicator_status: dict[URIRef, tuple[int, URIRef]] = {}

    def _slug(self, kind: str, key: tuple[str, ...], text: str, prefix: str = "") -> str:
        """Readable and stable: the first words of the text; a clash with another element adds a hash
        of its key, and should that be taken too (a crafted text, or a hash shared by chance), the
        first free number after it. The elements are met in file order, so the same files give the
        same slugs; each slug is found in constant time, whatever the number of rows."""
        known = self.slug_of.get((kind, key))
        if known is not None:
            return known
        taken = self.slugs.setdefault(kind, {})
        base = prefix + slugify(text)
        slug = base
        if slug in taken:
            stem = f"{base}-{_short_hash(*key)}"
            slug = stem
            counter = f"{kind}/{stem}"
            while slug in taken:
                self.next_number[counter] = self.next_number.get(counter, 1) + 1
                slug = f"{stem}-{self.next_number[counter]}"
        taken[slug] = key
        self.slug_of[(kind, key)] = slug
        return slug

    def _el(self, kind: str, slug: str) -> URIRef:
        return self.iris.element(self.m, self.s, kind, slug)

    def convert(self) -> ConvertedStrategy:
        municipality = self.iris.municipality(self.m)
        city, interp = self.city, self.interp
        city.add((municipality, RDF.type, KG.Municipality))
        city.add((municipality, KG.municipalityCode, Literal(self.code)))
        city.add((municipality, SKOS.prefLabel, Literal(self.name, lang="fi")))
        strategy = self.iris.strategy(self.m, self.s)
        city.add((strategy, RDF.type, KG.Strategy))
        city.add((strategy, KG.municipality, municipality))
        city.add((strategy, DCTERMS.publisher, municipality))
        city.add((strategy, SKOS.prefLabel, Literal(f"{self.name}: strategia", lang="fi")))
        interp.add((strategy, SKOS.prefLabel, Literal(f"{self.name}: strategy", lang="en")))
        self.plan = self._el("plan", PLAN_SLUG)
        city.add((self.plan, RDF.type, KG.ImplementationPlan))
        city.add((self.plan, KG.implements, strategy))
        city.add((self.plan, KG.municipality, municipality))
        city.add((self.plan, SKOS.prefLabel, Literal(f"{self.name}: strategian toimeenpano ja seuranta", lang="fi")))
        interp.add((self.plan, SKOS.prefLabel, Literal(f"{self.name}: implementation and follow-up of the strategy", lang="en")))
        sources: list[URIRef] = []
        for parsed in self.parsed:
            sources.append(self._document(parsed))
        add_provenance(self.iris, self.m, sources, city, interp, METHOD)
        for indicator, (_, status) in self.indicator_status.items():
            interp.add((indicator, KG.status, status))
        return ConvertedStrategy(self.m, city, interp)

    def _document(self, parsed: _Parsed) -> URIRef:
        city = self.city
        year = parsed.year
        self.doc_slug = f"taulukko-{year}"
        source = self._el("source", self.doc_slug)
        self.source = source
        city.add((source, RDF.type, KG.SourceDocument))
        city.add((source, DCTERMS.publisher, self.iris.municipality(self.m)))
        media = "text/csv" if parsed.path.suffix.lower() == ".csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        city.add((source, DCTERMS.format, Literal(media)))
        city.add((source, KG.sourceFile, Literal(parsed.path.name)))
        city.add((source, SKOS.prefLabel, Literal(f"{self.name}: strategian seurantataulukko {year}", lang="fi")))
        self.interp.add((source, SKOS.prefLabel, Literal(f"{self.name}: strategy follow-up table {year}", lang="en")))
        self.city.add((self.plan, KG.source, source))
        self.period = add_interval(self.iris, str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), city)
        city.add((self.period, SKOS.prefLabel, Literal(f"1-12/{year}", lang="fi")))
        self.interp.add((self.period, SKOS.prefLabel, Literal(f"January-December {year}", lang="en")))
        city.add((self.plan, DCTERMS.temporal, self.period))
        self.year = year
        self.path = parsed.path
        for part, goal in enumerate(parsed.goals, start=1):
            self._goal(part, goal)
        return source

    def _locate(self, node: URIRef, part: int, row: Row, column: int | None, kind: str | None, text: str, sentence: int | None) -> URIRef:
        stem = f"{node}/source/{self.doc_slug}"
        index = self.locations[stem] = self.locations.get(stem, 0) + 1
        location = URIRef(stem + (f"-{index}" if index > 1 else ""))
        more: list[tuple[URIRef, object]] = [(KG.row, row.number), (KG.sheet, row.sheet)]
        if column is not None:
            more.append((KG.cell, f"{column_letter(column)}{row.number}"))
        if sentence is not None:
            more.append((KG.sentence, sentence))
        add_source_location(
            self.city, node, location, document=self.source, part=part,
            column=COLUMNS[kind] if kind else KG.headingRow, line=row.number, text=text, more=more,
        )
        return location

    def _text(self, node: URIRef, cls: URIRef, text: str) -> None:
        self.city.add((node, RDF.type, cls))
        self.city.add((node, KG.verbatimText, Literal(text, lang="fi")))
        self.city.add((node, SKOS.prefLabel, Literal(text, lang="fi")))

    def _goal(self, part: int, goal: _Goal) -> None:
        node = self._el("goal", self._slug("goal", (goal.text,), goal.text))
        self._text(node, KG.StrategicGoal, goal.text)
        self.city.add((node, KG.plan, self.plan))
        self.city.add((self.plan, SKOS.hasTopConcept, node))
        if goal.column is None:
            location = self._locate(node, part, goal.row, 0, None, goal.row.cells[0], None)
        else:
            location = self._locate(node, part, goal.row, goal.column, "goal", goal.row.cells[goal.column], None)
        if goal.header_row is not None:
            for cell in goal.header_row.cells:
                if cell:
                    self.city.add((location, KG.columnHeading, Literal(cell, lang="fi")))
        if goal.sdg:
            text, column, row = goal.sdg
            self._sdg(node, part, row, column, text)
        for objective in goal.objectives:
            self._objective(node, part, goal.text, objective)

    def _sdg(self, node: URIRef, part: int, row: Row, column: int, text: str) -> None:
        for code in sdg_mentions(text, _where(self.path, row, column, "sdg")):
            link = SDG[code]
            self.city.add((node, KG.sdg, link))
            add_source_location(
                self.city, node, URIRef(f"{node}/source/{self.doc_slug}-sdg-{code}"), document=self.source, part=part,
                column=KG.sdgColumn, line=row.number, text=text,
                more=[(KG.row, row.number), (KG.sheet, row.sheet), (KG.cell, f"{column_letter(column)}{row.number}"), (DCTERMS.subject, link)],
            )

    def _objective(self, goal: URIRef, part: int, goal_text: str, objective: _Objective) -> None:
        row, cells = objective.row, objective.cells
        o_slug = self._slug("objective", (goal_text, objective.text), objective.text)
        node = self._el("objective", o_slug)
        self._text(node, KG.Objective, objective.text)
        self.city.add((node, KG.strategicGoal, goal))
        self.city.add((node, KG.plan, self.plan))
        self._locate(node, part, row, cells["objective"][1], "objective", objective.text, None)
        sdg_text, sdg_col = cells["sdg"]
        if sdg_text:
            self._sdg(node, part, row, sdg_col, sdg_text)

        def children(kind: str, cls: URIRef, link: URIRef, whole: bool = False, prefix: str = "") -> list[tuple[URIRef, str]]:
            text, column = cells[kind]
            made = []
            pieces = [(text, None)] if whole and text else split_elements(text)
            for piece, sentence in pieces:
                slug = self._slug(kind, (o_slug, prefix, piece), piece, prefix)
                child = self._el(kind, slug)
                self._text(child, cls, piece)
                self.city.add((child, link, node))
                if kind != "responsibility":
                    self.city.add((child, KG.plan, self.plan))
                self._locate(child, part, row, column, kind, text, sentence)
                made.append((child, piece))
            return made

        children("action", KG.Action, KG.objective)
        for responsibility, text in children("responsibility", KG.Responsibility, KG.responsibilityOf, whole=True):
            self._responsibility(responsibility, text)
        indicators = children("indicator", KG.Indicator, KG.indicatorOf)
        targets = {node: self._target(node, text) for node, text in indicators}
        results = children("result", KG.Result, KG.resultOf, prefix=f"{self.year}-")
        for index, (result, text) in enumerate(results):
            self.city.add((result, KG.period, self.period))
            if len(indicators) == 1:
                answered = indicators[0][0]
            elif indicators and len(indicators) == len(results):
                answered = indicators[index][0]
            else:
                answered = None
            self._result(result, text, answered, targets.get(answered) if answered else None)

    def _responsibility(self, node: URIRef, text: str) -> None:
        schedule = YEAR_RANGE.search(text)
        names_text = YEAR_RANGE.sub(" ", text)
        for name in re.split(r"[,;/\n]+|\s+ja\s+|\s+sekä\s+", names_text):
            name = name.strip(" .:-–()")
            if not name or not re.search(r"[^\W\d_]", name):
                continue
            slug = slugify(name, words=4)
            post = self.iris.of_municipality(self.m, "post", slug)
            if slug not in self.posts:
                self.posts[slug] = post
                self.interp.add((post, RDF.type, KG.Post))
                self.interp.add((post, ORG.postIn, self.iris.municipality(self.m)))
                label = name[0].upper() + name[1:]
                self.interp.add((post, SKOS.prefLabel, Literal(label, lang="fi")))
                english = POST_EN.get(name.lower())
                if english:
                    self.interp.add((post, SKOS.prefLabel, Literal(english, lang="en")))
            self.interp.add((node, KG.responsiblePost, post))
        if schedule:
            start = int(schedule["start"])
            end = int(schedule["end"]) if schedule["end"] else (None if schedule["dash"] else start)
            slug = f"{start}" if end == start else f"{start}-{end or ''}"
            period = add_interval(self.iris, slug, dt.date(start, 1, 1), dt.date(end, 12, 31) if end else None, self.interp)
            self.interp.add((node, KG.schedule, period))

    def _target(self, node: URIRef, text: str) -> tuple[Decimal, str] | None:
        value: tuple[Decimal, str] | None = None
        percent = re.search(r"(\d+(?:[.,]\d+)?)\s*%", text)
        per_year = re.search(r"(\d+)\s*(?:krt|kertaa)\s*/\s*(?:v\b|vuosi|vuodessa)", text, re.IGNORECASE)
        euro = re.search(r"(\d[\d\s]*)\s*(?:€|euroa)", text)
        if percent:
            value = (Decimal(percent[1].replace(",", ".")), "percent")
        elif per_year:
            value = (Decimal(per_year[1]), "per-year")
        elif euro:
            value = (Decimal(re.sub(r"\s", "", euro[1])), "euro")
        deadline = None
        by_year_end = re.search(r"vuoden\s+((?:19|20)\d\d)\s+loppuun", text, re.IGNORECASE)
        date = re.search(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\b", text)
        try:
            if by_year_end:
                deadline = dt.date(int(by_year_end[1]), 12, 31)
            elif date:
                deadline = dt.date(int(date[3]), int(date[2]), int(date[1]))
        except ValueError:
            deadline = None
        if value is None and deadline is None:
            return None
        target = URIRef(f"{node}/target")
        self.interp.add((node, KG.target, target))
        self.interp.add((target, RDF.type, KG.Target))
        if value is not None:
            self.interp.add((target, KG.targetValue, Literal(value[0], datatype=XSD.decimal)))
            self.interp.add((target, KG.unit, UNITS[value[1]]))
        if deadline is not None:
            self.interp.add((target, KG.deadline, Literal(deadline, datatype=XSD.date)))
        return value

    def _result(self, node: URIRef, text: str, indicator: URIRef | None, target: tuple[Decimal, str] | None) -> None:
        interp = self.interp
        numbers: list[tuple[Decimal, str]] = []
        cleaned = re.sub(r"\b\d{1,2}\.\d{1,2}\.(?:19|20)\d\d\b|\b\d{1,2}\s*[-–]\s*\d{1,2}\s*/\s*(?:19|20)\d\d\b", " ", text)
        for match in re.finditer(r"(?<![\w.,])(\d+(?:[.,]\d+)?)(\s*%)?", cleaned):
            number = Decimal(match[1].replace(",", "."))
            if not match[2] and re.fullmatch(r"(?:19|20)\d\d", match[1]):
                continue  # a year, not a count
            numbers.append((number, "percent" if match[2] else "count"))
        for index, (number, unit) in enumerate(numbers, start=1):
            measurement = URIRef(f"{node}/measurement/{index}")
            interp.add((node, KG.measurement, measurement))
            interp.add((measurement, KG.measurementOf, node))
            interp.add((measurement, RDF.type, KG.Measurement))
            interp.add((measurement, KG.value, Literal(number, datatype=XSD.decimal)))
            interp.add((measurement, KG.unit, UNITS[unit]))
            interp.add((measurement, KG.period, self.period))
            if indicator is not None:
                interp.add((measurement, KG.measures, indicator))
        if indicator is not None:
            interp.add((node, KG.answers, indicator))
        status, note = _judge(text, target, numbers)
        interp.add((node, KG.status, STATUSES[status]))
        interp.add((node, SKOS.note, Literal(note, lang="en")))
        if indicator is not None:
            previous = self.indicator_status.get(indicator)
            if previous is None or previous[0] <= self.year:
                self.indicator_status[indicator] = (self.year, STATUSES[status])


def _judge(text: str, target: tuple[Decimal, str] | None, numbers: list[tuple[Decimal, str]]) -> tuple[str, str]:
    """A status and its reason (the importer's rule, METHOD)."""
    if target is not None:
        wanted_unit = "percent" if target[1] == "percent" else "count"
        same = [n for n, unit in numbers if unit == wanted_unit]
        if same:
            value = same[0]
            if value >= target[0]:
                return "achieved", f"Result {value} reaches the target {target[0]}."
            return "not-achieved", f"Result {value} is below the target {target[0]}."
    lowered = text.lower()
    if re.search(r"\bei\s+(?:ole\s+)?(?:toteutunut|toteutu|toteutettu|tehty|aloitettu|käynnistynyt)", lowered):
        return "not-achieved", "The result says it was not done."
    if "osittain" in lowered or "kesken" in lowered:
        return "partly-achieved", "The result says it was partly done."
    if re.search(r"toteutu|toteutettu|tehty|valmis|käytössä|otettu käyttöön|käynnistetty|järjestetty|aloitettu", lowered):
        return "achieved", "The result says it was done."
    if re.search(r"\bei\s+(?:ole\s+)?tiedossa|\bei\s+tiedetä", lowered):
        return "not-known", "The result says it is not known."
    if target is None:
        return "no-target", "No target level to judge the result against."
    return "not-known", "The result does not tell whether the target was met."


def convert_tables(files: Iterable[TableFile], iris: Iris, *, municipality: str, name: str, code: str) -> ConvertedStrategy:
    """One municipality's graphs from its tables (one per reporting year); InputError names the cell at fault."""
    parsed = [parse_table(f) for f in files]
    years = [p.year for p in parsed]
    duplicate = next((y for y in years if years.count(y) > 1), None)
    if duplicate is not None:
        raise InputError(f"{municipality}: two tables for the reporting year {duplicate}")
    return _TableConverter(iris, municipality, name, code, parsed).convert()


def check_code(code: str) -> str:
    code = str(code).strip()
    if not re.fullmatch(r"[0-9A-Za-z-]{1,12}", code):
        raise InputError(f"--code {code!r}: a municipality code is letters or digits, such as 240 (Statistics Finland) or 005")
    return code


def municipality_slug(name: str) -> str:
    slug = slugify(name, words=8, limit=60)
    if slug == "x":
        raise InputError(f"--municipality {name!r}: the name needs letters or digits")
    return slug


def graph_texts(graph: Graph) -> int:
    return len(graph)
