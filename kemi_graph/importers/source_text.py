"""The plain-text source document, addressed the way the curated data cites it.

A line of a tab-separated table (part 1 of the Kemi document) is split into cells; a line
of a column-by-column part is one cell. Line numbers are 1-based, as an editor shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kemi_graph.errors import InputError

# The order of the columns in a tab-separated row of the document.
COLUMN_ORDER = ("objective", "action", "responsibility", "indicator", "result", "sdg")


@dataclass(frozen=True)
class SourceText:
    path: Path
    lines: tuple[str, ...]

    @classmethod
    def read(cls, path: Path) -> SourceText:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: cannot read the source document: {error}") from error
        return cls(path, tuple(text.splitlines()))

    def line(self, number: int) -> str:
        if not 1 <= number <= len(self.lines):
            raise InputError(f"{self.path}: line {number} does not exist (the file has {len(self.lines)} lines)")
        return self.lines[number - 1]

    def cell(self, number: int, column: str | None, in_table_row: bool) -> str:
        """The trimmed text printed at ``line``; in a table row, only the given column's cell."""
        line = self.line(number)
        if not in_table_row or "\t" not in line:
            return line.strip()
        cells = line.split("\t")
        index = COLUMN_ORDER.index(column) if column in COLUMN_ORDER else -1
        if index < 0 or index >= len(cells):
            raise InputError(f"{self.path}: line {number} has no {column!r} cell")
        return cells[index].strip()

    def cells(self, number: int) -> list[str]:
        """Every non-empty trimmed cell of a line (a line without tabs is one cell)."""
        return [cell.strip() for cell in self.line(number).split("\t") if cell.strip()]
