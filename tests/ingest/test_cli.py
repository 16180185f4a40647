"""`qianfan ingest` and `qianfan template` as staff run them from a terminal."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.notices import NOTICES_DIR
from models import Listing, Order
from qianfan.cli import main
from qianfan.config import DEFAULTS
from qianfan.db import Database
from qianfan.importing import read_import_file

LISTINGS = "供应企业,供给名称,最大承接金额\n北京甲科技有限公司,产品甲,100万元\n北京乙科技有限公司,产品乙,很多钱\n"


@pytest.fixture
def database(tmp_path, monkeypatch, runner) -> Database:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["init-db"]).exit_code == 0
    return Database(url)


def _count(database: Database, model) -> int:
    with database.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_file_with_a_bad_row_is_refused_whole_with_the_row_and_reason(runner, database, tmp_path):
    (tmp_path / "listings.csv").write_text(LISTINGS, encoding="utf-8")
    result = runner.invoke(main, ["ingest", "listings", "listings.csv"])
    assert result.exit_code == 1
    assert (
        "row 3 [最大承接金额] “很多钱”: “很多钱”不是金额。 / '很多钱' is not an amount of money."
        in result.output
    )
    assert "nothing was saved" in result.output
    assert (tmp_path / "listings.rejected.csv").exists()
    assert _count(database, Listing) == 0


def test_skip_invalid_imports_the_rest_and_writes_the_rejected_rows(runner, database, tmp_path):
    (tmp_path / "listings.csv").write_text(LISTINGS, encoding="utf-8")
    out = tmp_path / "bad.xlsx"
    result = runner.invoke(
        main, ["ingest", "listings", "listings.csv", "--skip-invalid", "--rejected-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "新增 inserted 1" in result.output and "拒绝 rejected 1" in result.output
    assert out.exists() and _count(database, Listing) == 1


def test_dry_run_counts_and_keeps_nothing(runner, database, tmp_path):
    (tmp_path / "listings.csv").write_text(
        LISTINGS.splitlines()[0] + "\n" + LISTINGS.splitlines()[1], encoding="utf-8"
    )
    result = runner.invoke(main, ["ingest", "listings", "listings.csv", "--dry-run"])
    assert (
        result.exit_code == 0
        and "新增 inserted 1" in result.output
        and "(dry run)" in result.output
    )
    assert _count(database, Listing) == 0


def test_a_dry_run_with_refused_rows_writes_no_file_unless_told_where(runner, database, tmp_path):
    (tmp_path / "listings.csv").write_text(LISTINGS, encoding="utf-8")
    result = runner.invoke(main, ["ingest", "listings", "listings.csv", "--dry-run", "--skip-invalid"])
    assert result.exit_code == 0 and "拒绝 rejected 1" in result.output and "(dry run)" in result.output
    assert not (tmp_path / "listings.rejected.csv").exists()
    refused = runner.invoke(main, ["ingest", "listings", "listings.csv", "--dry-run"])
    assert refused.exit_code == 1 and not (tmp_path / "listings.rejected.csv").exists()
    asked = runner.invoke(
        main, ["ingest", "listings", "listings.csv", "--dry-run", "--rejected-out", str(tmp_path / "bad.csv")]
    )
    assert asked.exit_code == 1 and (tmp_path / "bad.csv").exists()


def test_an_unreadable_file_is_explained_without_a_stack_trace(runner, database, tmp_path):
    (tmp_path / "orders.xlsx").write_bytes(b"not a workbook")
    result = runner.invoke(main, ["ingest", "orders", "orders.xlsx"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "文件不是有效的 XLSX 工作簿" in result.output


def test_the_folder_of_notices_imports_with_counts_of_orders_and_set_aside(runner, database):
    result = runner.invoke(main, ["ingest", "notices", str(NOTICES_DIR)])
    assert result.exit_code == 0, result.output
    total = result.output.strip().splitlines()[-1]
    assert total.startswith("合计 total 4 files, 3073 rows")
    orders = _count(database, Order)
    assert f"新增 inserted {orders}" in total and f"搁置 set aside {3073 - orders}" in total
    assert "技术规范意见征求公告" in result.output  # why requests for comment were set aside


def test_template_command_writes_a_workbook(runner, tmp_path):
    result = runner.invoke(main, ["template", "orders", str(tmp_path / "orders.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "orders.xlsx").stat().st_size > 0


def test_a_file_over_the_size_limit_is_refused_by_its_size_before_it_is_read(
    runner, database, tmp_path, monkeypatch
):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # 1 GiB on paper, a sparse file on disk
        handle.truncate(2**30)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the whole file was read"))
    tracemalloc.start()
    try:
        result = runner.invoke(main, ["ingest", "companies", "huge.csv"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "The file is 1073741824 bytes; the limit is 20971520 bytes." in result.output
    assert peak < 5 * 2**20  # nothing of the file was read


def test_a_file_whose_size_says_nothing_is_read_only_to_the_limit(tmp_path):
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 100)
    # /dev/zero says its size is 0 and never ends: at most the limit and one byte are read.
    data = read_import_file(Path("/dev/zero"), {**DEFAULTS, "IMPORT_MAX_BYTES": 1000})
    assert len(data) == 1001
    assert read_import_file(small, DEFAULTS) == b"x" * 100


def test_a_file_imported_again_says_when_in_beijing_time(runner, database, tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    (tmp_path / "listings.csv").write_text(LISTINGS.splitlines()[0] + "\n北京甲科技有限公司,产品甲,100万元\n", encoding="utf-8")
    assert runner.invoke(main, ["ingest", "listings", "listings.csv"]).exit_code == 0
    again = runner.invoke(main, ["ingest", "listings", "listings.csv"]).output
    said = again.split("此文件曾于 ")[1][:16]
    shown = datetime.strptime(said, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs((datetime.now(ZoneInfo("Asia/Shanghai")) - shown).total_seconds()) < 600  # not UTC, 8 h off
