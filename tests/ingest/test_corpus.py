"""Every file of the bad-file corpus is refused with the reason a person needs, and changes nothing.

The corpus and its expectations are written by tests/ingest/make_corpus.py.
"""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.problems import FileRejected
from ingest.readers import Limits, read_sheets
from models import (
    AuditEvent,
    Company,
    CompanyMergeCandidate,
    CompanyQualification,
    ImportBatch,
    Listing,
    Order,
    ServiceDemand,
    ServicePackage,
)
from qianfan.config import DEFAULTS
from qianfan.importing import ImportRejected, run_import

CORPUS = Path(__file__).parent / "corpus"
CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
TABLES = (Company, CompanyQualification, Order, Listing, ServicePackage, ServiceDemand, ImportBatch,
          CompanyMergeCandidate, AuditEvent)  # fmt: skip


def _counts(db) -> dict[str, int]:
    with db.sessionmaker() as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES
        }


def _pattern(message: str) -> re.Pattern:
    return re.compile(re.sub(r"%\\\(\w+\\\)s", ".*", re.escape(message)), re.DOTALL)


def _import(db, kind: str, name: str, settings: dict) -> None:
    with db.session_scope() as session:
        run_import(session, kind, (CORPUS / name).read_bytes(), name, settings=settings)


def test_the_corpus_has_at_least_forty_bad_files():
    assert len(CASES) >= 40
    assert all((CORPUS / case["file"]).exists() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_is_refused_with_its_reason_and_the_database_is_unchanged(db, case):
    settings = {**DEFAULTS, **case.get("settings", {})}
    if "before" in case:
        _import(db, case["kind"], case["before"], settings)
    before = _counts(db)

    with pytest.raises((FileRejected, ImportRejected)) as caught:
        _import(db, case["kind"], case["file"], settings)

    error = caught.value
    problems = (
        error.problems
        if isinstance(error, FileRejected)
        else [p for row in error.report.rejected for p in row.problems]
    )
    expected = _pattern(case["error"])
    matching = [p for p in problems if expected.fullmatch(p.reason_en)]
    assert matching, [p.reason_en for p in problems]
    problem = matching[0]
    assert problem.reason_zh != problem.reason_en, "the reason has no Chinese"
    for key in ("field", "row", "sheet"):
        if key in case:
            assert getattr(problem, key) == case[key]
    assert _counts(db) == before


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    data = (CORPUS / "zip_bomb.xlsx").read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(FileRejected, match="zip bomb"):
            read_sheets(data, "zip_bomb.xlsx", Limits())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The archive declares 300 MiB; refusing it must cost about what the upload itself costs.
    assert peak < 5 * len(data)
