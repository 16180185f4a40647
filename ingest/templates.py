"""Downloadable XLSX templates, one per kind of import, generated from the column definitions.

Staff hand these to alliances and incubators so that files come back with columns the importer knows.
The first sheet has the headers (required ones marked *), with one example row kept on a second sheet
so it is never imported by mistake; the second sheet explains each column in Chinese and English.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ingest.columns import KINDS
from ingest.export import escape_cell

_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


def template_bytes(kind_name: str) -> bytes:
    """The XLSX template of one kind ("companies", "orders", "listings", "packages", "demands")."""
    kind = KINDS[kind_name]
    workbook = Workbook()
    data = workbook.active
    data.title = kind.zh
    for index, column in enumerate(kind.columns, start=1):
        cell = data.cell(row=1, column=index, value=column.zh + ("*" if column.required else ""))
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = _REQUIRED_FILL
        data.column_dimensions[cell.column_letter].width = max(12, 2 * len(column.zh) + 4)
    data.freeze_panes = "A2"

    notes = workbook.create_sheet("说明 notes")
    notes.append(
        ["列名", "column", "必填 required", "格式 format", "示例 example", "也可写作 also accepted"]
    )
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        notes.append(
            [
                column.zh,
                column.en,
                "是 yes" if column.required else "",
                column.help_zh,
                escape_cell(column.example),
                "、".join(column.aliases),
            ]
        )
    notes.append([])
    notes.append(
        ["带 * 的列必须填写；每行一条记录；同一文件可重复导入，已有记录会被更新而不会重复。"]
    )
    notes.append(
        [
            "Columns marked * are required; one record per row; importing a file again updates, never duplicates."
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
