"""Every file of the bad-file corpus is refused with the reason a person needs, and changes nothing.

The corpus and its expectations are written by tests/ingest/make_corpus.py. Each file is imported twice:
through the service (the reason, field, row and sheet of the refusal) and through `qianfan ingest` as
staff run it (the same reason printed, exit status 1, no traceback printed or logged), on SQLite and,
where configured, PostgreSQL.
"""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.columns import KINDS as FILE_KINDS
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
from qianfan.cli import main
from qianfan.cli_context import AppContext
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


def test_the_corpus_has_at_least_seventy_bad_files():
    assert len(CASES) >= 70
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


def _ingest_command(runner, kind: str, name: str):
    """`qianfan ingest KIND FILE` in-process, its database closed afterwards as the process exit would."""
    app = AppContext()
    try:
        return runner.invoke(main, ["ingest", kind, str(CORPUS / name)], obj=app)
    finally:
        if app._db is not None:
            app._db.dispose()


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_through_the_cli_is_explained_without_a_traceback(
    db, case, runner, monkeypatch, tmp_path, caplog
):
    monkeypatch.setenv("QIANFAN_DATABASE_URL", db.url)
    for key, value in case.get("settings", {}).items():
        monkeypatch.setenv(f"QIANFAN_{key}", str(value))
    monkeypatch.chdir(tmp_path)  # where the rejected rows are written
    if "before" in case:
        setup = _ingest_command(runner, case["kind"], case["before"])
        assert setup.exit_code == 0, setup.output
    before = _counts(db)

    result = _ingest_command(runner, case["kind"], case["file"])

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert not [r for r in caplog.records if r.exc_info], "an error was logged with its trace"
    printed = re.compile(re.sub(r"%\\\(\w+\\\)s", ".*", re.escape(case["error"])))
    assert printed.search(result.output), result.output
    if "row" in case:
        sheet = re.escape(case["sheet"]) + "!" if "sheet" in case else r"(?:\S+!)?"
        assert re.search(rf"row {sheet}{case['row']}\b", result.output), result.output
    if "field" in case:  # the column is named as the file writes it (any of its accepted headers)
        column = FILE_KINDS[case["kind"]].columns_by_key.get(case["field"]) if case["kind"] in FILE_KINDS else None
        names = {case["field"], *(column.headers if column else ())}
        assert any(f"[{name}]" in result.output for name in names), result.output
    assert "nothing was saved" in result.output
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
