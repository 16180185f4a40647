"""The command line as a newcomer meets it: a fast --help, no stack traces, a database without schema
told to run init-db, the instance folder in one known place, and the demo loading after the real notices."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest
from sqlalchemy import func, select

from models import Company, Order
from qianfan import config
from qianfan.cli import LAZY_COMMANDS, main
from qianfan.demo import load_demo
from qianfan.importing import run_import

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_command_without_importing_the_database_layer_or_the_matcher(tmp_path):
    probe = (
        "import sys\n"
        "from qianfan.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'sklearn', 'scipy', 'jieba', 'flask') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    for name in ("init-db", "demo", "ingest", "match", "stats", "serve", "worker", "create-user"):
        assert f"  {name} " in done.stdout
    assert not (tmp_path / "instance").exists()  # listing commands writes nothing anywhere


def test_every_command_named_for_the_help_is_the_command_that_runs():
    ctx = click.Context(main)
    for name in LAZY_COMMANDS:
        assert main.get_command(ctx, name).name == name


@pytest.mark.parametrize(
    "args",
    [
        ["demo"],
        ["match"],
        ["stats"],
        ["create-user", "--username", "wang", "--role", "staff", "--password", "long-enough-1"],
        ["ingest", "companies", "FILE"],
        ["serve", "--port", "0"],
    ],
    ids=lambda args: args[0],
)
def test_a_database_without_schema_is_told_to_run_init_db(runner, tmp_path, monkeypatch, args):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()  # a database file with no tables
    monkeypatch.setenv("QIANFAN_DATABASE_URL", f"sqlite:///{empty}")
    data = tmp_path / "companies.csv"
    data.write_text("企业名称\n北京示例科技有限公司\n", encoding="utf-8")
    args = [str(data) if a == "FILE" else a for a in args]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "has no schema yet: run `qianfan init-db` first" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_a_missing_sqlite_file_is_not_created_by_asking(runner, tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "qianfan.sqlite3"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", f"sqlite:///{missing}")
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 1 and "run `qianfan init-db` first" in result.output
    assert not missing.exists() and not missing.parent.exists()


def test_an_unexpected_failure_is_one_line_and_its_trace_goes_to_a_file(runner, db, monkeypatch, tmp_path):
    monkeypatch.setenv("QIANFAN_DATABASE_URL", db.url)

    def broken(session):
        raise RuntimeError("the counters broke")

    monkeypatch.setattr("qianfan.stats.programme_counters", broken)
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 1
    assert "unexpected RuntimeError: the counters broke" in result.output and "Traceback" not in result.output
    logs = list((tmp_path / "instance" / "logs").glob("cli-error-*.log"))
    assert len(logs) == 1 and "Traceback" in logs[0].read_text(encoding="utf-8")


def test_the_instance_folder_does_not_follow_the_current_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("QIANFAN_INSTANCE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.instance_dir() == ROOT / "instance"
    # Installed without a checkout: the user's data folder.
    monkeypatch.setattr(config, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert config.instance_dir() == tmp_path / "data" / "qianfan"
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path / "chosen"))
    assert config.instance_dir() == tmp_path / "chosen"


def test_the_demo_loads_after_the_real_notices_were_imported(session):
    notices = ROOT / "ingest" / "data" / "notices"
    for path in sorted(notices.glob("*.json")):
        run_import(session, "notices", path.read_bytes(), path.name)
    session.commit()
    imported = session.scalar(select(func.count()).select_from(Order))
    summary = load_demo(session, "small", seed=1, today=date(2026, 11, 20))
    session.commit()
    assert summary.counts["orders_already_imported"] > 0
    assert session.scalar(select(func.count()).select_from(Order)) == imported + summary.counts["orders"]
    names = session.execute(
        select(Company.name, func.count()).where(Company.kind == "large_firm").group_by(Company.name)
    ).all()
    assert all(n == 1 for _, n in names)  # the buyers the import made are not made again
    assert {a.username for a in summary.accounts} >= {"demo-staff", "demo-buyer1"}


def test_make_bench_runs_every_benchmark_it_names_with_quick_settings():
    done = subprocess.run(["make", "-n", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    runs = [line.split() for line in done.stdout.splitlines() if "bench/" in line]
    assert len(runs) >= 5
    for run in runs:
        script = next(part for part in run if part.startswith("bench/"))
        assert (ROOT / script).is_file(), script


def test_a_file_that_cannot_be_written_is_one_line(runner, tmp_path):
    result = runner.invoke(main, ["template", "orders", str(tmp_path / "no-such-folder" / "t.xlsx")])
    assert result.exit_code == 1 and "No such file or directory" in result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
