"""What every workbook and CSV the system writes does to the text in it. Citizens' words reach these files (a title
sent by a mailbox platform, an imported row), so a text cell stays text: Excel would run "=HYPERLINK(…)" as a
formula that sends other cells off the machine, and a control character would make openpyxl refuse the whole
export."""
from __future__ import annotations

from typing import Any, Iterable

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel or LibreOffice reads as a formula in a CSV


def clean(value: Any) -> Any:
    """A string without the control characters XML forbids; anything else as it is."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append(sheet: Worksheet, values: Iterable[Any]) -> None:
    """One row at the bottom of ``sheet``; strings are stored as text, never as formulas. The cells are made
    before they are appended: reading the row back (``sheet[sheet.max_row]``) looks at every cell written so
    far, and a 10,000-row export took 53 s instead of 2."""
    cells = []
    for value in values:
        cell = Cell(sheet, value=clean(value))
        if cell.data_type == "f":  # openpyxl takes any string starting with "=" for a formula
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)


def csv_text(value: Any) -> Any:
    """A CSV cell that Excel opens as text: one starting like a formula gets a leading apostrophe."""
    value = clean(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def from_csv_text(value: str) -> str:
    """What ``csv_text`` was given back."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


__all__ = ["append", "clean", "csv_text", "from_csv_text", "FORMULA_START"]
