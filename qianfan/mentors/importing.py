"""Mentors from an import file (CSV/XLSX, the `mentors` kind of ingest.columns) through the importer.

qianfan.importing reads and checks every row first (all or nothing: one refused row and nothing is
written, each refusal naming row, field, value and reason); this writes the checked rows. A mentor is
found again by the file's 编号 (`source_key` "mentors:<编号>"), else by name ("mentors:name:<name>"), and
updated in place; imported mentors have no login (staff give one on the mentor's page).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, Mentor

FIELDS = ("name", "title", "expertise", "bio", "industries", "regions", "sessions_per_month", "mode")
COLUMN_OF = {"industries": "industry_codes", "regions": "region_codes"}
DEFAULTS = {"sessions_per_month": 2, "mode": "both", "bio": "", "industry_codes": [], "region_codes": []}


def source_key(record: dict) -> str:
    if record.get("external_id"):
        return f"mentors:{record['external_id']}"[:120]
    return f"mentors:name:{record['name']}"[:120]


def write_mentors(session: Session, rows, report, actor, notify) -> None:
    """Insert or update one mentor per checked row; counts go to the import report."""
    keys = [source_key(row.record) for row in rows]
    known = {m.source_key: m for m in session.scalars(select(Mentor).where(Mentor.source_key.in_(keys)))} if keys else {}
    for done, (row, key) in enumerate(zip(rows, keys, strict=True), start=1):
        values = {COLUMN_OF.get(f, f): row.record[f] for f in FIELDS
                  if f in row.present and row.record.get(f) is not None}  # fmt: skip
        mentor = known.get(key)
        if mentor is None:
            known[key] = Mentor(source_key=key, **{**DEFAULTS, **values})
            session.add(known[key])
            report.inserted += 1
        else:
            changed = {k: v for k, v in values.items() if getattr(mentor, k) != v}
            for column, value in changed.items():
                setattr(mentor, column, value)
            report.updated += bool(changed)
            report.unchanged += not changed
        if done % 500 == 0 or done == len(rows):
            notify("writing", done, len(rows))
    session.flush()
    if report.inserted:
        session.add(AuditEvent(actor_id=getattr(actor, "id", None), action="import", object_type="mentor",
                               detail={"inserted": report.inserted, "updated": report.updated}))  # fmt: skip
