"""Imports files of companies, orders, listings, service packages and service demands, and the real
large-firm notices, into the database: the use case behind `qianfan ingest` and the staff upload page.

API for the CLI and the web views
---------------------------------
``run_import(session, kind, data, filename, *, settings=None, skip_invalid=False, dry_run=False,
progress=None, actor=None) -> ImportReport``

- `kind`: one of `KINDS` ("companies", "orders", "listings", "packages", "demands", "mentors", "notices");
  mentors are written by qianfan.mentors.importing.
- `data`, `filename`: the uploaded file's bytes and name (the suffix picks the reader: .csv, .xlsx,
  .json, .jsonl; notices are the crawler's JSON, {"notices": [...]}).
- `settings`: `qianfan.config.load_settings()` or the Flask config; the IMPORT_* limits are read from it.
- `progress(stage, done, total)`: called while rows are checked (stage "checking") and written
  ("writing"), often enough to drive a progress bar.
- The service flushes and never commits. The caller commits the returned report's work, or rolls back
  when `report.dry_run` is true (nothing of a dry run may stay).
- All or nothing by default: when any row is refused, `ImportRejected` is raised (its `.report` lists
  every refused row with row number, field, value and reason in Chinese and English), and the caller
  must roll back (`Database.session_scope` does). With `skip_invalid` the valid rows are imported and
  the refused ones are in `report.rejected`.
- A file that cannot be read at all (type, size, encoding, zip bomb, headers) raises
  `ingest.problems.FileRejected` (`.problems` lists each reason).
- `report.to_dict()` is JSON-ready for a result page; `rejected_rows_file(report, "csv"|"xlsx")` gives
  the refused rows with their reasons as a download, with formula-looking cells escaped.

Re-importing the same file, or the same rows in another file, updates instead of duplicating: a posting's
`source_key` is the file's 编号/id column when it has one, else its company and normalised title; a
company is found by credit code, else by name (ingest.dedup). Imported postings land as `submitted`,
waiting for staff screening, unless the file's 状态/status column says draft or published.

An import never renames or silently merges a known company. In a companies file, a row whose credit code
belongs to a known company under another name updates the other fields, and the new name waits for staff
(`CompanyNameChange`, qianfan.review.renames); a row whose name only resembles a known company's surely
(ingest.dedup) but is written otherwise becomes a company of its own, queued beside the known one as a
possible duplicate (qianfan.merging). Every known company an import changes gets one audit record
(`import_update`) naming each field before and after.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.columns import KINDS as FILE_KINDS
from ingest.columns import Kind, convert_row, knows_any_header, map_headers
from ingest.dedup import LIKELY, SURE, CompanyIndex, compare, name_key
from ingest.export import csv_bytes, xlsx_bytes
from ingest.normalize import encodable, normalize_text
from ingest.problems import FileRejected, Problem
from ingest.readers import Limits, read_sheets
from models import (
    AuditEvent,
    Company,
    CompanyMergeCandidate,
    CompanyNameChange,
    CompanyQualification,
    ImportBatch,
    Listing,
    Order,
    ServiceDemand,
    ServicePackage,
    transition,
)
from models.errors import DomainError, ValidationError
from models.lifecycle import TransitionError

KINDS = (*FILE_KINDS, "notices")
MODELS = {"orders": Order, "listings": Listing, "packages": ServicePackage, "demands": ServiceDemand,
          "notices": Order}  # fmt: skip
COMPANY_ATTR = {"orders": "buyer_id", "listings": "supplier_id", "packages": "provider_id",
                "demands": "company_id", "notices": "buyer_id"}  # fmt: skip
CHUNK = 1000
Progress = Callable[[str, int, int], None]


@dataclass
class RejectedRow:
    """A refused row: where it was, its cells as written, and every reason."""

    row: int | None
    sheet: str | None
    cells: dict[str, str]
    problems: list[Problem]

    def to_dict(self) -> dict:
        return {"row": self.row, "sheet": self.sheet, "cells": self.cells,
                "problems": [p.to_dict() for p in self.problems]}  # fmt: skip


@dataclass
class ImportReport:
    """What an import did, or would do (dry run), row by row where rows were refused."""

    kind: str
    filename: str
    sha256: str
    dry_run: bool = False
    skip_invalid: bool = False
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)
    total_rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    companies_created: int = 0
    companies_matched_by_name: int = 0
    review_queued: int = 0  # possible duplicates queued for staff (CompanyMergeCandidate)
    names_to_review: int = 0  # name changes of known companies queued for staff (CompanyNameChange)
    rejected: list[RejectedRow] = field(default_factory=list)
    set_aside: dict[str, int] = field(default_factory=dict)  # notices: reason → count
    values_unread: int = 0  # notices: rows imported with an unreadable amount or date left unknown
    previously_imported_at: str | None = None
    batch_id: int | None = None

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rejected"] = [r.to_dict() for r in self.rejected]
        data["rejected_count"] = self.rejected_count
        return data

    def summary(self) -> dict:
        """The counts without the rows, as stored on the ImportBatch."""
        return {k: v for k, v in self.to_dict().items() if k != "rejected"}


class ImportRejected(DomainError):
    """Rows were refused and the import was all-or-nothing: nothing may be kept (roll back)."""

    http_status = 422

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(
            "%(count)s rows were rejected; nothing was imported.", count=report.rejected_count
        )


def run_import(
    session: Session,
    kind: str,
    data: bytes,
    filename: str,
    *,
    settings: dict | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    actor=None,
) -> ImportReport:
    """Check every row of the file, then write the valid ones; see the module docstring."""
    if kind not in KINDS:
        raise ValidationError("Unknown kind '%(kind)s'; choose one of: %(kinds)s.", field="kind", kind=kind,
                              kinds=", ".join(KINDS))  # fmt: skip
    limits = Limits.from_settings(settings) if settings else Limits()
    filename = encodable(filename)  # a file system name may hold undecodable bytes (as surrogates)
    report = ImportReport(kind, filename, hashlib.sha256(data).hexdigest(), dry_run, skip_invalid)
    previous = session.scalar(
        select(ImportBatch.at).where(ImportBatch.sha256 == report.sha256, ImportBatch.kind == kind)
        .order_by(ImportBatch.at.desc()).limit(1)
    )  # fmt: skip
    report.previously_imported_at = previous.isoformat() if previous else None
    notify = progress or (lambda stage, done, total: None)
    writer = _Writer(session, report, actor)
    if kind == "notices":
        _import_notices(writer, data, filename, limits, notify, skip_invalid)
    elif kind == "mentors":  # people, not companies: written by their own package
        from qianfan.mentors.importing import write_mentors

        rows = _checked_rows(FILE_KINDS[kind], data, filename, limits, report, notify)
        if report.rejected and not skip_invalid:
            raise ImportRejected(report)
        write_mentors(session, rows, report, actor, notify)
    else:
        rows = _checked_rows(FILE_KINDS[kind], data, filename, limits, report, notify)
        if report.rejected and not skip_invalid:
            raise ImportRejected(report)
        writer.write(FILE_KINDS[kind], rows, notify)
    if report.rejected and not skip_invalid:
        raise ImportRejected(report)
    writer.finish()
    return report


def read_import_file(path: Path, settings: dict | None = None) -> bytes:
    """The bytes of a file to import; one larger than IMPORT_MAX_BYTES is refused by its size, unread.

    At most the limit and one byte are read, so a file that grows meanwhile (or a device such as
    /dev/zero, whose size says 0) costs no more memory than the limit; `run_import` then refuses it.
    """
    limit = (Limits.from_settings(settings) if settings else Limits()).max_bytes
    size = path.stat().st_size
    if size > limit:
        raise FileRejected(
            "The file is %(size)s bytes; the limit is %(limit)s bytes.", size=size, limit=limit
        )
    with path.open("rb") as handle:
        return handle.read(limit + 1)


@dataclass
class _Row:
    number: int
    sheet: str | None
    record: dict
    present: set[str]
    cells: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)  # column key → its header as the file writes it


def _name_columns(problems: list[Problem], headers: dict[str, str], kind: Kind | None = None) -> None:
    """Give each problem the header of its column as the file writes it (else the column's Chinese name)."""
    for problem in problems:
        if problem.field and not problem.column:
            known = kind.columns_by_key.get(problem.field) if kind else None
            problem.column = headers.get(problem.field) or (known.zh if known else None)


def _checked_rows(kind: Kind, data, filename, limits, report, notify) -> list[_Row]:
    sheets = read_sheets(data, filename, limits)
    data_sheets = [s for s in sheets if knows_any_header(kind, s)] if len(sheets) > 1 else sheets
    if not data_sheets:
        raise FileRejected("No sheet of the workbook has the columns of %(kind)s.", kind=kind.zh)
    report.encoding = data_sheets[0].encoding
    report.sheets = [s.name for s in data_sheets if s.name]
    total = sum(len(s.rows) for s in data_sheets)
    report.total_rows = total
    rows: list[_Row] = []
    first_seen: dict[tuple, int] = {}
    done = 0
    for sheet in data_sheets:
        headers = map_headers(kind, sheet)
        present = {c.key for c in headers.columns if c is not None}
        written_headers = {
            c.key: str(sheet.headers[i]) for i, c in enumerate(headers.columns) if c is not None and i < len(sheet.headers)
        }
        # A company's credit code is checked when the company is written; its column is the file's too.
        if "company_credit_code" in written_headers:
            written_headers.setdefault("credit_code", written_headers["company_credit_code"])
        for number, cells in sheet.rows:
            record, problems = convert_row(
                kind,
                headers,
                cells,
                row=number,
                sheet=sheet.name,
                max_cell_chars=limits.max_cell_chars,
            )
            written = {
                h: encodable(str(cells[i])) if i < len(cells) else ""
                for i, h in enumerate(sheet.headers)
                if h
            }
            if not problems:
                for key in _duplicate_keys(kind, record):
                    if key in first_seen:
                        err = ValidationError(
                            "This row repeats row %(first)s of the same file.",
                            first=first_seen[key],
                        )
                        problems.append(Problem.from_error(err, row=number, sheet=sheet.name))
                        break
                else:
                    for key in _duplicate_keys(kind, record):
                        first_seen[key] = number
            if problems:
                _name_columns(problems, written_headers, kind)
                report.rejected.append(RejectedRow(number, sheet.name, written, problems))
            else:
                rows.append(_Row(number, sheet.name, record, present, written, written_headers))
            done += 1
            if done % 500 == 0 or done == total:
                notify("checking", done, total)
    return rows


def _duplicate_keys(kind: Kind, record: dict) -> list[tuple]:
    """Keys that must not repeat within one file."""
    if kind.name == "companies":
        keys = [("name", name_key(record["name"]).normalized)]
        return keys + ([("code", record["credit_code"])] if record.get("credit_code") else [])
    if record.get("external_id"):
        return [("id", record["external_id"])]
    if kind.name == "mentors":
        return [("name", normalize_text(record["name"]))]
    company = record.get("company_credit_code") or name_key(record["company"]).normalized
    return [("row", company, normalize_text(record["title"]))]


class _Writer:
    """Writes checked records: companies found or created once, postings inserted or updated by key."""

    def __init__(self, session: Session, report: ImportReport, actor) -> None:
        self.session = session
        self.report = report
        self.actor = actor
        self.index = CompanyIndex()
        for company_id, name, code in session.execute(
            select(Company.id, Company.name, Company.credit_code)
        ):
            self.index.add(company_id, name, code)
        # Companies created by this import are flushed in bulk; until then they go by negative refs.
        self._new: dict[int, Company] = {}
        self._resolved: dict[tuple, int] = {}
        self._candidates: list[tuple[int, int, float]] = []
        # Known companies this import changed: id → (first row, {field: [before, after]}); and the new names
        # it would give them, which wait for staff: id → (row, proposed name, how the company was found).
        self._changed: dict[int, tuple[int | None, dict]] = {}
        self._renames: dict[int, tuple[int | None, str, str]] = {}
        self._matched_by = "credit_code"

    def company(self, ref: int) -> Company:
        return self._new[ref] if ref < 0 else self.session.get(Company, ref)

    def real_id(self, ref: int) -> int:
        """The database id of a company ref (flush first when it is new)."""
        return self._new[ref].id if ref < 0 else ref

    # companies -----------------------------------------------------------------------------------
    def company_id(
        self, name: str, code: str | None, default_kind: str, region_code: str | None = None
    ) -> int:
        """A ref to the company meant by name and code: found (code, or a sure name match) or created."""
        cache_key = (name_key(name).normalized, code)
        if cache_key not in self._resolved:
            existing, likely = self._existing(name, code)
            if existing is None:
                company = Company(
                    name=name, credit_code=code, kind=default_kind, region_code=region_code
                )
                existing = self._create(company, likely)
            self._resolved[cache_key] = existing
        return self._resolved[cache_key]

    def _existing(self, name: str, code: str | None) -> tuple[int | None, tuple[int, float] | None]:
        """(an existing company's id or None, (id, score) of a likely match for the review queue)."""
        if code and (by_code := self.index.by_code(code)) is not None:
            company = self.company(by_code)
            if compare(name_key(name), name_key(company.name))[0] not in (SURE, LIKELY):
                raise ValidationError(
                    "Credit code %(code)s already belongs to '%(existing)s', not '%(name)s'.",
                    field="credit_code", code=code, existing=company.name, name=name,
                )  # fmt: skip
            self._matched_by = "credit_code"
            return by_code, None
        decision = self.index.find(name, code)
        if decision.verdict == SURE:
            self.report.companies_matched_by_name += 1
            self._matched_by = "name"
            company = self.company(decision.company_id)
            if code and not company.credit_code:
                if decision.company_id > 0:
                    self.note_changes(company, {"credit_code": [None, code]})
                company.credit_code = code
                self.index.add(decision.company_id, name, code)
            return decision.company_id, None
        if decision.verdict == LIKELY:
            return None, (decision.company_id, decision.score)
        return None, None

    def _create(self, company: Company, likely: tuple[int, float] | None) -> int:
        ref = -(len(self._new) + 1)
        self._new[ref] = company
        self.session.add(company)
        self.index.add(ref, company.name, company.credit_code)
        self.report.companies_created += 1
        if likely:
            self._candidates.append((ref, *likely))
        return ref

    def write_company(self, row: _Row) -> None:
        record = row.record
        fields = _company_fields(record, row.present)
        qualifications = fields.pop("qualifications", [])
        existing, likely = self._known_by_another_name(record["name"], record.get("credit_code"))
        if existing is None and likely is None:
            existing, likely = self._existing(record["name"], record.get("credit_code"))
        if existing is None:
            fields.setdefault("kind", "small_firm")
            company = Company(**fields)
            company.qualifications = [
                CompanyQualification(name=q, grade=_grade(q)) for q in qualifications
            ]
            self._create(company, likely)
            self.report.inserted += 1
            return
        company = self.company(existing)
        # A known company is never renamed by an import: the new name waits for staff (the review queue).
        proposed = fields.pop("name", None)
        if proposed and proposed != company.name and existing > 0:
            self._renames.setdefault(existing, (row.number, proposed, self._matched_by))
        before = {attr: getattr(company, attr) for attr in fields}
        changed = _apply(company, fields)
        changes = {a: [before[a], getattr(company, a)] for a in fields if before[a] != getattr(company, a)}
        held = {q.name for q in company.qualifications}
        added = [name for name in qualifications if name not in held]
        for name in added:
            company.qualifications.append(CompanyQualification(name=name, grade=_grade(name)))
            changed = True
        if added:
            changes["qualifications"] = [sorted(held), sorted(held | set(added))]
        if changes and existing > 0:
            self.note_changes(company, changes, row.number)
        self._count(changed)

    def _known_by_another_name(self, name: str, code: str | None) -> tuple[None, tuple[int, float] | None]:
        """A row of companies that the name index surely matches to a known company written otherwise
        ("北京风禾信息科技" for 北京风禾信息技术) and no credit code ties to it: the two may well be different
        firms, so the known one is neither renamed nor updated. The row becomes a company of its own and
        the pair goes to the review queue (possible duplicates), where staff merge or keep them apart."""
        if code and self.index.by_code(code) is not None:
            return None, None
        decision = self.index.find(name, code)
        if decision.verdict != SURE or decision.company_id < 0:
            return None, None
        if self.company(decision.company_id).name == name:
            return None, None
        return None, (decision.company_id, decision.score)

    def note_changes(self, company: Company, changes: dict, row: int | None = None) -> None:
        """Remember what this import changed in a known company, for its audit record."""
        first_row, noted = self._changed.setdefault(company.id, (row, {}))
        for attr, (before, after) in changes.items():
            noted[attr] = [noted[attr][0] if attr in noted else before, after]

    # postings ------------------------------------------------------------------------------------
    def write(self, kind: Kind, rows: list[_Row], notify: Progress) -> None:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            if kind.name == "companies":
                for row in chunk:
                    self._guarded(row, lambda r=row: self.write_company(r))
            else:
                self._write_postings(kind, chunk)
            self.session.flush()
            notify("writing", min(start + CHUNK, len(rows)), len(rows))

    def _guarded(self, row: _Row, action: Callable[[], None]) -> bool:
        try:
            action()
            return True
        except DomainError as err:
            problem = Problem.from_error(err, row=row.number, sheet=row.sheet)
            _name_columns([problem], row.headers)
            self.report.rejected.append(RejectedRow(row.number, row.sheet, row.cells, [problem]))
            return False

    def _write_postings(self, kind: Kind, chunk: list[_Row]) -> None:
        resolved: list[tuple[_Row, int]] = []
        for row in chunk:
            refs: list[int] = []

            def resolve(r=row.record, found=refs) -> None:
                found.append(
                    self.company_id(
                        r["company"], r.get("company_credit_code"), kind.default_company_kind
                    )
                )

            if self._guarded(row, resolve):
                resolved.append((row, refs[0]))
        self.session.flush()  # new companies get their ids, which the postings' keys use
        items = []
        for row, ref in resolved:
            company_id = self.real_id(ref)
            fields = _posting_fields(kind.name, row.record, row.present)
            items.append((row, _source_key(kind.name, row.record, company_id), company_id, fields))
        self.upsert_postings(kind.name, items)

    def upsert_postings(self, kind: str, items: list[tuple[_Row, str, int, dict]]) -> None:
        """Insert new postings and update those whose source key exists; count what changed."""
        model = MODELS[kind]
        keys = [key for _, key, _, _ in items]
        existing = {
            p.source_key: p
            for p in self.session.scalars(select(model).where(model.source_key.in_(keys)))
        }
        for row, key, company_id, fields in items:
            status = fields.pop("status", None)
            fields[COMPANY_ATTR[kind]] = company_id
            posting = existing.get(key)
            if posting is None:
                status = status or "submitted"
                posting = model(source_key=key, status=status, **fields)
                if status == "published":
                    posting.published_at = datetime.now().astimezone()
                self.session.add(posting)
                existing[key] = posting
                self.report.inserted += 1
                continue
            text_before = (posting.title, posting.description)
            changed = _apply(posting, fields)
            if (posting.title, posting.description) != text_before:
                posting.tokens = None  # the matcher recomputes tokens for changed text
            if status and status != posting.status:
                try:
                    transition(
                        posting, status, actor=self.actor, reason="导入文件更新 / changed by import"
                    )
                    changed = True
                except TransitionError as err:
                    problem = Problem.from_error(
                        err, row=row.number, sheet=row.sheet, field="status", value=status
                    )
                    _name_columns([problem], row.headers)
                    self.report.rejected.append(
                        RejectedRow(row.number, row.sheet, row.cells, [problem])
                    )
                    continue
            self._count(changed)

    def _count(self, changed: bool) -> None:
        if changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    # end -----------------------------------------------------------------------------------------
    def finish(self) -> None:
        """Queue likely duplicates for staff review and record the batch."""
        report = self.report
        batch = ImportBatch(
            actor_id=getattr(self.actor, "id", None), kind=report.kind, filename=report.filename[:255],
            sha256=report.sha256, inserted=report.inserted, updated=report.updated,
            unchanged=report.unchanged, rejected=report.rejected_count,
        )  # fmt: skip
        self.session.add(batch)
        self.session.flush()
        self._candidates = [
            (self.real_id(a), self.real_id(b), score) for a, b, score in self._candidates
        ]
        queued = {
            (c.company_id, c.candidate_id)
            for c in self.session.scalars(select(CompanyMergeCandidate).where(
                CompanyMergeCandidate.company_id.in_([a for a, _, _ in self._candidates])))
        }  # fmt: skip
        for company_id, candidate_id, score in self._candidates:
            if (company_id, candidate_id) not in queued:
                self.session.add(CompanyMergeCandidate(company_id=company_id, candidate_id=candidate_id,
                                                       score=round(score, 1), batch_id=batch.id))  # fmt: skip
                queued.add((company_id, candidate_id))
                report.review_queued += 1
        self._queue_renames(batch)
        self._audit_changes(batch)
        batch.summary = json.loads(json.dumps(report.summary(), default=str))
        self.session.add(AuditEvent(actor_id=batch.actor_id, action="import", object_type="import_batch",
                                    object_id=batch.id, detail=batch.summary))  # fmt: skip
        self.session.flush()
        report.batch_id = None if report.dry_run else batch.id


    def _queue_renames(self, batch: ImportBatch) -> None:
        """Each new name for a known company goes to the review queue once (a re-import adds nothing)."""
        if not self._renames:
            return
        waiting = {
            (c.company_id, c.proposed_name)
            for c in self.session.scalars(select(CompanyNameChange).where(
                CompanyNameChange.company_id.in_(list(self._renames)), CompanyNameChange.status == "pending"))
        }  # fmt: skip
        for company_id, (row, proposed, matched_by) in self._renames.items():
            if (company_id, proposed) in waiting:
                continue
            company = self.session.get(Company, company_id)
            self.session.add(CompanyNameChange(
                company_id=company_id, current_name=company.name, proposed_name=proposed[:200],
                matched_by=matched_by, batch_id=batch.id, row=row,
            ))  # fmt: skip
            self.report.names_to_review += 1

    def _audit_changes(self, batch: ImportBatch) -> None:
        """One audit record per known company this import changed, naming each field before and after."""
        for company_id, (row, changes) in self._changed.items():
            changes = {a: v for a, v in changes.items() if v[0] != v[1]}
            if not changes:
                continue
            detail = json.loads(json.dumps({"batch_id": batch.id, "row": row, "changes": changes}, default=str))
            self.session.add(AuditEvent(actor_id=batch.actor_id, action="import_update", object_type="company",
                                        object_id=company_id, detail=detail))  # fmt: skip


_GRADES = {"特级": 0, "一级": 1, "甲级": 1, "二级": 2, "乙级": 2, "三级": 3, "丙级": 3}


def _grade(qualification: str) -> int | None:
    return next((grade for word, grade in _GRADES.items() if word in qualification), None)


def _apply(obj, fields: dict) -> bool:
    """Set the fields that differ; True when any did."""
    changed = False
    for attr, value in fields.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    return changed


_COMPANY_FIELDS = {"name": "name", "credit_code": "credit_code", "kind": "kind", "region": "region_code",
                   "industry": "industry_code", "size_class": "size_class", "founded_on": "founded_on",
                   "description": "description", "qualifications": "qualifications"}  # fmt: skip


def _company_fields(record: dict, present: set[str]) -> dict:
    """The file's columns as Company attributes; an empty cell clears the value, except for the kind
    (kept) and qualifications (only ever added)."""
    return {
        attr: record.get(key)
        for key, attr in _COMPANY_FIELDS.items()
        if key in record or (key in present and key not in ("kind", "qualifications"))
    }


# posting attribute ← (record key, value when the file has the column but the cell is empty)
_POSTING_FIELDS = {
    "orders": {"title": ("title", None), "description": ("description", ""), "kind": ("kind", "procurement"),
               "industry_code": ("industry", None), "category_code": ("category", None),
               "budget_yuan": ("budget", None), "region_code": ("region", None),
               "required_qualifications": ("required_qualifications", []), "deadline": ("deadline", None),
               "delivery_period": ("delivery_period", None), "source_url": ("source_url", None),
               "status": ("status", None)},
    "listings": {"title": ("title", None), "description": ("description", ""), "kind": ("kind", "product"),
                 "industry_code": ("industry", None), "max_contract_yuan": ("max_contract", None),
                 "region_codes": ("regions", []), "tags": ("tags", []), "status": ("status", None)},
    "packages": {"title": ("title", None), "description": ("description", ""), "category": ("category", None),
                 "value_yuan": ("value", None), "quota": ("quota", 1), "valid_until": ("valid_until", None),
                 "max_company_age_years": ("max_company_age_years", None),
                 "eligible_region_codes": ("eligible_regions", []),
                 "eligible_industry_codes": ("eligible_industries", []),
                 "eligible_sizes": ("eligible_sizes", []), "status": ("status", None)},
    "demands": {"title": ("title", None), "description": ("description", ""), "category": ("category", None),
                "budget_yuan": ("budget", None), "status": ("status", None)},
}  # fmt: skip


def _posting_fields(kind: str, record: dict, present: set[str]) -> dict:
    """The model's attributes from the columns the file has; an order's budget keeps its text as written."""
    fields: dict = {}
    for attr, (key, empty) in _POSTING_FIELDS[kind].items():
        if key not in present:
            continue
        value = record.get(key, empty)
        if isinstance(value, tuple):  # an amount: (yuan or None, the text as written)
            if kind == "orders":
                fields["budget_text"] = value[1][:120] if value[1] else None
            value = value[0]
        elif kind == "orders" and attr == "budget_yuan":
            fields["budget_text"] = None
        fields[attr] = value
    return fields


def _source_key(kind: str, record: dict, company_id: int) -> str:
    if record.get("external_id"):
        return f"{kind}:{normalize_text(record['external_id'])}"[:120]
    digest = hashlib.sha1(normalize_text(record["title"]).encode("utf-8")).hexdigest()[:24]
    return f"{kind}:c{company_id}:{digest}"


def _import_notices(
    writer: _Writer,
    data: bytes,
    filename: str,
    limits: Limits,
    notify: Progress,
    skip_invalid: bool,
) -> None:
    """The crawler's notices JSON: each usable notice becomes an order, the rest are counted by reason."""
    from ingest.notices import convert_notices, notice_problems, notice_text, region_codes_from_rows
    from ingest.readers import decode_text, load_json
    from ingest.reference import region_rows
    from ingest.values import shown

    report = writer.report
    if len(data) > limits.max_bytes:
        raise FileRejected("The file is %(size)s bytes; the limit is %(limit)s bytes.", size=len(data),
                           limit=limits.max_bytes)  # fmt: skip
    text, report.encoding = decode_text(data, "JSON")
    payload = load_json(text)
    notices = payload.get("notices") if isinstance(payload, dict) else payload
    if not isinstance(notices, list) or not all(isinstance(n, dict) for n in notices):
        raise FileRejected("JSON must be a list of objects, or an object holding one such list.")
    if len(notices) > limits.max_rows:
        raise FileRejected("The file has more than %(limit)s data rows; split it into smaller files.",
                           limit=limits.max_rows)  # fmt: skip
    report.total_rows = len(notices)
    # A notice whose fields are not text, or longer than their columns, is refused by its number in the
    # file (the item a person counts) and field, like a row of any other file.
    usable = []
    for number, notice in enumerate(notices, start=1):
        errors = notice_problems(notice)
        if not errors:
            usable.append(notice)
            continue
        cells = {key: encodable(shown(notice_text(notice, key), 200)) for key in ("id", "title")}
        problems = [
            Problem.from_error(err, row=number, value=shown(notice_text(notice, err.field), 200))
            for err in errors
        ]
        report.rejected.append(RejectedRow(number, None, cells, problems))
    if report.rejected and not skip_invalid:
        raise ImportRejected(report)
    records, set_aside = convert_notices(usable, region_codes_from_rows(region_rows()))
    report.set_aside = dict(Counter(s.reason for s in set_aside).most_common())
    report.values_unread = sum(1 for r in records if r.problems)
    notify("checking", len(notices), len(notices))
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        refs = [writer.company_id(r.buyer_name, None, "large_firm", r.region_code) for r in chunk]
        writer.session.flush()
        items = []
        for record, ref in zip(chunk, refs, strict=True):
            company_id = writer.real_id(ref)
            fields = {
                "title": record.title[:300], "description": record.description, "kind": "procurement",
                "budget_yuan": record.budget_yuan, "budget_text": (record.budget_text or None) and record.budget_text[:120],
                "region_code": record.region_code, "deadline": record.deadline,
                "required_qualifications": list(record.required_qualifications), "source_url": record.source_url,
            }  # fmt: skip
            row = _Row(
                start + len(items) + 1,
                None,
                {},
                set(),
                {"id": record.source_key, "title": record.title},
            )
            items.append((row, record.source_key[:120], company_id, fields))
        writer.upsert_postings("notices", items)
        writer.session.flush()
        notify("writing", min(start + CHUNK, len(records)), len(records))


def rejected_rows_file(report: ImportReport, fmt: str = "csv") -> bytes:
    """The refused rows as CSV or XLSX: where, the reasons in Chinese and English, then the row as written."""
    headers = list(dict.fromkeys(h for r in report.rejected for h in r.cells))
    head = ["行号 row", "工作表 sheet", "列 column", "原值 value", "原因", "reason", *headers]
    rows: Iterable[list] = (
        [r.row, r.sheet or "", "; ".join(p.column or p.field or "" for p in r.problems),
         "; ".join(p.value or "" for p in r.problems), "；".join(p.reason_zh for p in r.problems),
         "; ".join(p.reason_en for p in r.problems), *(r.cells.get(h, "") for h in headers)]
        for r in report.rejected
    )  # fmt: skip
    if fmt == "xlsx":
        return xlsx_bytes(head, rows, title="rejected")
    return csv_bytes(head, rows)
