"""Reads an uploaded file into sheets of rows of text cells: CSV, XLSX, JSON and JSON Lines.

Files come from alliances, associations and incubators as they were saved: CSV in UTF-8 (with or
without BOM), GBK or GB18030, XLSX with several sheets, JSON exports. The encoding is detected, not
asked for. Nothing here knows what the columns mean (ingest.columns does); this module only turns
bytes into cells, and refuses, with a reason a person can act on, files that are too big, broken,
binary, or built to exhaust memory (an XLSX is a zip archive: its declared sizes are checked before
openpyxl opens it, and Python's zipfile never inflates a part beyond its declared size). JSON is
parsed bounded too (`load_json`): its nesting depth is measured before the parser recurses, and numbers
are kept as the text they are written as, so no number is ever converted at a size that fails.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath

import charset_normalizer

from ingest.normalize import encodable
from ingest.problems import FileRejected

MAX_COLUMNS = 200
# Import files are lists of flat objects, three or four levels deep; the parser recurses per level.
MAX_JSON_DEPTH = 32
_ZIP_RATIO_FLOOR = 1024 * 1024  # small parts may compress well without harm


class Formula(str):
    """A spreadsheet cell that holds a formula; its text, never its evaluated value."""


@dataclass(frozen=True)
class Limits:
    """Caps that protect the service; the defaults live in qianfan.config (IMPORT_*)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_cell_chars: int = 20_000
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: int = 200

    @classmethod
    def from_settings(cls, settings: dict) -> Limits:
        return cls(
            max_bytes=int(settings["IMPORT_MAX_BYTES"]),
            max_rows=int(settings["IMPORT_MAX_ROWS"]),
            max_cell_chars=int(settings["IMPORT_MAX_CELL_CHARS"]),
            max_unzipped_bytes=int(settings["IMPORT_MAX_UNZIPPED_BYTES"]),
            max_zip_ratio=int(settings["IMPORT_MAX_ZIP_RATIO"]),
        )


@dataclass
class Sheet:
    """One table: its header cells and its data rows, each with the row number a person sees."""

    name: str | None
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str | None = None


def file_format(filename: str) -> str:
    """'csv', 'xlsx', 'json' or 'jsonl' from the file name; `FileRejected` for anything else."""
    suffix = PurePath(filename).suffix.lower()
    formats = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
               ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}  # fmt: skip
    if suffix == ".xls":
        raise FileRejected(
            "'%(name)s' is an old Excel (.xls) file; save it as .xlsx and import again.",
            name=filename,
        )
    if suffix not in formats:
        raise FileRejected(
            "'%(name)s' is not a file type the importer reads; use CSV, XLSX, JSON or JSON Lines.",
            name=filename,
        )
    return formats[suffix]


def read_sheets(data: bytes, filename: str, limits: Limits = Limits()) -> list[Sheet]:
    """Every sheet of the file with a header row; rows that are wholly empty are left out."""
    if len(data) > limits.max_bytes:
        raise FileRejected("The file is %(size)s bytes; the limit is %(limit)s bytes.", size=len(data),
                           limit=limits.max_bytes)  # fmt: skip
    kind = file_format(filename)
    if not data.strip():
        raise FileRejected("The file is empty.")
    if kind == "xlsx":
        sheets = _read_xlsx(data, limits)
    else:
        text, encoding = decode_text(data, kind.upper())
        sheets = _read_csv(text, limits) if kind == "csv" else _read_json(text, kind, limits)
        for sheet in sheets:
            sheet.encoding = encoding
    sheets = [s for s in sheets if s.headers]
    if not sheets:
        raise FileRejected("The file is empty.")
    for sheet in sheets:  # quoted back in messages, so they must be printable
        sheet.name = encodable(sheet.name) if sheet.name else sheet.name
        sheet.headers = [encodable(h) for h in sheet.headers]
    total = sum(len(s.rows) for s in sheets)
    if total == 0:
        raise FileRejected("The file has a header row but no data rows.")
    _check_rows(total, limits)
    return sheets


def decode_text(data: bytes, kind: str = "CSV") -> tuple[str, str]:
    """The text of `data` and the encoding it was detected in (UTF-8, UTF-8 with BOM, GBK, GB18030 ...)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise FileRejected(
                    "The text encoding of the file could not be recognised; save it as UTF-8 CSV."
                ) from None
    if b"\x00" in data:
        raise FileRejected(
            "The file holds binary data, not text; is it really a %(kind)s file?", kind=kind
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Mainland spreadsheets saved "as CSV" come out in GBK or GB18030; Taiwan and Hong Kong in Big5.
    best = charset_normalizer.from_bytes(data, cp_isolation=["gb18030", "gbk", "big5"]).best()
    if best is None:
        raise FileRejected(
            "The text encoding of the file could not be recognised; save it as UTF-8 CSV."
        )
    return str(best), best.encoding


def _read_csv(text: str, limits: Limits) -> list[Sheet]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    sheet: Sheet | None = None
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if sheet is None:
                _check_width(record)
                sheet = Sheet(None, [cell.strip() for cell in record])
                continue
            _check_rows(len(sheet.rows) + 1, limits)
            sheet.rows.append((reader.line_num, record))
    except csv.Error as err:
        raise FileRejected(
            "Broken CSV at line %(line)s: %(detail)s.", line=reader.line_num, detail=str(err)
        ) from None
    return [sheet] if sheet else []


def _read_json(text: str, kind: str, limits: Limits) -> list[Sheet]:
    if kind == "jsonl":
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                items.append((number, _loads(line, number)))
    else:
        document = _loads(text, None)
        if isinstance(document, dict):
            lists = [v for v in document.values() if isinstance(v, list)]
            document = lists[0] if len(lists) == 1 else None
        if not isinstance(document, list):
            raise FileRejected(
                "JSON must be a list of objects, or an object holding one such list."
            )
        items = list(enumerate(document, start=1))
    headers: dict[str, None] = {}
    for number, item in items:
        if not isinstance(item, dict):
            raise FileRejected("Item %(item)s is not an object with named fields.", item=number)
        headers.update(dict.fromkeys(str(k) for k in item))
    _check_rows(len(items), limits)
    _check_width(headers)
    names = list(headers)
    rows = [(number, [_json_cell(item.get(name)) for name in names]) for number, item in items]
    return [Sheet(None, names, rows)]


def _loads(text: str, line: int | None):
    return load_json(text, line)


def load_json(text: str, line: int | None = None):
    """The JSON document in `text`, parsed within bounds; `FileRejected` saying why it cannot be.

    Nesting deeper than `MAX_JSON_DEPTH` is refused before parsing (the parser recurses once per
    level); numbers are returned as the text they are written as (a 5,000-digit number is a
    5,000-character cell, refused by the column that reads it, not an error of `int()`). `line` is the
    line of a JSON Lines file, for the message.
    """
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise FileRejected(
            "The JSON is nested more than %(limit)s levels deep.", limit=MAX_JSON_DEPTH
        )
    try:
        return json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as err:
        raise FileRejected(
            "Broken JSON at line %(line)s: %(detail)s.", line=line or err.lineno, detail=err.msg
        ) from None
    except RecursionError:  # only if the depth check were wrong: refuse rather than crash
        raise FileRejected(
            "The JSON is nested more than %(limit)s levels deep.", limit=MAX_JSON_DEPTH
        ) from None


# Bytes that matter for nesting: brackets and the quotes around strings (whose brackets do not count).
_STRUCTURE = b'[]{}"'
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STRUCTURE)
_QUOTED = re.compile(rb'"[^"]*"')
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_DEPTH_CHUNK = 1 << 20


def _json_depth(text: str) -> int:
    """How deep the brackets of a JSON text nest, outside strings, in a few passes of C-speed code.

    Escaped backslashes and quotes are removed first, so that every quote left opens or closes a
    string; strings are then cut out, and the running sum of +1 per opening and -1 per closing
    bracket gives the depth; counting stops as soon as it passes `MAX_JSON_DEPTH`. Broken text gives
    a number too; the parser then says what is broken.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    data = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    data = _QUOTED.sub(b"", data.translate(None, _NOT_STRUCTURE))
    data = data.translate(_DEPTH_STEP, b'"')
    if not data:
        return 0
    import numpy  # a dependency of the matcher; imported here so the CLI starts without it

    steps = numpy.frombuffer(data, dtype=numpy.int8)
    depth = deepest = 0
    for start in range(0, steps.size, _DEPTH_CHUNK):  # in chunks, so memory stays a few MB
        running = steps[start : start + _DEPTH_CHUNK].cumsum(dtype=numpy.int32) + depth
        deepest = max(deepest, int(running.max()))
        if deepest > MAX_JSON_DEPTH:
            break
        depth = int(running[-1])
    return deepest


def _json_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(_json_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def check_zip_archive(data: bytes, limits: Limits) -> None:
    """Refuse an XLSX whose parts declare more content than allowed, or compress suspiciously well."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise FileRejected(
            "The file is not a valid XLSX workbook: %(detail)s.", detail=str(err)
        ) from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected(
            "The file is not a valid XLSX workbook: %(detail)s.", detail="no workbook inside"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_unzipped_bytes:
            raise FileRejected(
                "The workbook unpacks to more than %(limit)s bytes; it is refused as a possible zip bomb.",
                limit=limits.max_unzipped_bytes,
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _ZIP_RATIO_FLOOR and ratio > limits.max_zip_ratio:
            raise FileRejected(
                "Part '%(part)s' of the workbook is compressed %(ratio)s times; it is refused as a possible zip bomb.",
                part=info.filename,
                ratio=int(ratio),
            )


def _read_xlsx(data: bytes, limits: Limits) -> list[Sheet]:
    check_zip_archive(data, limits)
    import openpyxl  # imported here: CSV-only callers need not pay for it

    sheets = []
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; they do not change any cell.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                for worksheet in workbook.worksheets:
                    sheets.append(_read_worksheet(worksheet, limits))
            finally:
                workbook.close()
    except FileRejected:
        raise
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise FileRejected(
            "The file is not a valid XLSX workbook: %(detail)s.",
            detail=str(err) or type(err).__name__,
        ) from None
    return sheets


def _read_worksheet(worksheet, limits: Limits) -> Sheet:
    sheet = Sheet(worksheet.title, [])
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        values = [_xlsx_cell(cell) for cell in cells]
        while values and not values[-1]:
            values.pop()
        if not values or not any(v.strip() for v in values):
            continue
        if not sheet.headers:
            _check_width(values)
            sheet.headers = [v.strip() for v in values]
            continue
        _check_rows(len(sheet.rows) + 1, limits)
        sheet.rows.append((number, values))
    return sheet


def _xlsx_cell(cell) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text.removesuffix(".0") if text.endswith(".0") else text
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time() != time()
            else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _check_rows(count: int, limits: Limits) -> None:
    if count > limits.max_rows:
        raise FileRejected(
            "The file has more than %(limit)s data rows; split it into smaller files.",
            limit=limits.max_rows,
        )


def _check_width(headers) -> None:
    if len(headers) > MAX_COLUMNS:
        raise FileRejected(
            "The file has %(count)s columns; the limit is %(limit)s.",
            count=len(headers),
            limit=MAX_COLUMNS,
        )
