"""Tables written for people to open in a spreadsheet (rejected rows, reports), safe from formula injection.

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by Excel and
LibreOffice; text from an import file or a posting could carry one ("=HYPERLINK(...)"). Every cell
written here that starts so is prefixed with an apostrophe, which spreadsheets show as plain text.
CSV is written in UTF-8 with a BOM so that Excel on Chinese Windows opens it without garbling.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    """The cell as text, with a leading apostrophe when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 (with BOM) CSV of escaped cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow([escape_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Sheet1"
) -> bytes:
    """An XLSX workbook in which nothing is a formula: numbers stay numbers (ids, amounts), dates and times
    stay dates (written as given: pass local times without a zone), text is escaped as in CSV."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([escape_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: object) -> object:
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, bool):
        return escape_cell(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Excel has no time zones: the caller says which local time it is
            raise ValueError("XLSX cells take local times without a zone")
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return escape_cell(value)
