"""`qianfan ingest` and `qianfan template`: the importer from the command line, for staff and scripts.

    qianfan ingest KIND FILE... [--skip-invalid] [--dry-run] [--rejected-out PATH]
    qianfan template KIND OUT.xlsx

Every file of one command is imported in one unit of work: it is committed once at the end, or not
at all (a refused row without --skip-invalid, a refused file, --dry-run). A folder stands for the
files in it that the importer reads. A file over IMPORT_MAX_BYTES is refused by its size before it is
read.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from ingest.problems import FileRejected, Problem, to_zh
from qianfan import localtime
from qianfan.cli_context import AppContext, pass_app
from qianfan.importing import (
    KINDS,
    ImportRejected,
    ImportReport,
    read_import_file,
    rejected_rows_file,
    run_import,
)

_READABLE = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson"}
_SHOWN_PROBLEMS = 20


def _files(kind: str, paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            wanted = {".json"} if kind == "notices" else _READABLE
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix.lower() in wanted and p.is_file())
            )
        else:
            files.append(path)
    return files


class _ProgressBars:
    """One click progress bar per stage (checking, writing), created when the stage's total is known."""

    _LABELS = {"checking": "检查 checking", "writing": "写入 writing"}

    def __init__(self, name: str) -> None:
        self.name = name
        self.stage: str | None = None
        self.bar = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(
                length=max(total, 1),
                label=f"{self._LABELS.get(stage, stage)} {self.name}",
                file=sys.stderr,
            )
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _print_problems(problems: list[Problem], limit: int = _SHOWN_PROBLEMS) -> None:
    for problem in problems[:limit]:
        where = f"行 row {problem.where}" if problem.where else ""
        what = f" [{problem.column or problem.field}]" if problem.column or problem.field else ""
        value = f" “{problem.value}”" if problem.value else ""
        click.secho(
            f"  {where}{what}{value}: {problem.reason_zh} / {problem.reason_en}",
            fg="yellow",
            err=True,
        )
    if len(problems) > limit:
        click.secho(
            f"  … 另有 {len(problems) - limit} 条 / {len(problems) - limit} more",
            fg="yellow",
            err=True,
        )


def _print_summary(path: Path, report: ImportReport) -> None:
    encoding = f", {report.encoding}" if report.encoding else ""
    sheets = f", sheets: {', '.join(report.sheets)}" if report.sheets else ""
    click.echo(f"{report.kind} {path.name}{encoding}{sheets}: {report.total_rows} rows")
    click.echo(
        f"  新增 inserted {report.inserted} · 更新 updated {report.updated} · 未变 unchanged {report.unchanged}"
        f" · 拒绝 rejected {report.rejected_count}"
    )
    click.echo(
        f"  企业 companies: 新建 created {report.companies_created} · 按名称匹配 matched by name "
        f"{report.companies_matched_by_name} · 疑似重复待确认 possible duplicates to review {report.review_queued}"
        f" · 更名待确认 name changes to review {report.names_to_review}"
    )
    if report.set_aside:
        click.echo(f"  搁置 set aside {sum(report.set_aside.values())}:")
        for reason, count in report.set_aside.items():
            click.echo(f"    {count:>5}  {to_zh(reason, {})} / {reason}")
    if report.values_unread:
        click.echo(
            f"  {report.values_unread} 条金额或日期无法识别，已按未知处理 / amounts or dates left unknown"
        )
    if report.previously_imported_at:
        when = localtime.to_local(datetime.fromisoformat(report.previously_imported_at))
        click.echo(
            f"  此文件曾于 {when:%Y-%m-%d %H:%M} 导入 / this file was imported before"
        )


def _print_totals(reports: list[ImportReport]) -> None:
    total = {
        k: sum(getattr(r, k) for r in reports)
        for k in ("total_rows", "inserted", "updated", "unchanged")
    }
    set_aside = sum(sum(r.set_aside.values()) for r in reports)
    rejected = sum(r.rejected_count for r in reports)
    click.echo(
        f"合计 total {len(reports)} files, {total['total_rows']} rows: 新增 inserted {total['inserted']} · "
        f"更新 updated {total['updated']} · 未变 unchanged {total['unchanged']} · 拒绝 rejected {rejected}"
        + (f" · 搁置 set aside {set_aside}" if set_aside else "")
    )


def _write_rejected(path: Path, report: ImportReport, out: Path | None) -> None:
    """The refused rows with their reasons, beside the file; a dry run writes one only when --rejected-out
    says where (it keeps nothing else either)."""
    if not report.rejected or (report.dry_run and out is None):
        return
    out = out or Path.cwd() / f"{path.stem}.rejected.csv"
    if out.exists() and out.is_dir():
        out = out / f"{path.stem}.rejected.csv"
    out.write_bytes(rejected_rows_file(report, "xlsx" if out.suffix.lower() == ".xlsx" else "csv"))
    click.echo(f"  被拒绝的行及原因已写入 rejected rows with reasons: {out}")


@click.command("ingest")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid rows; write the refused ones to a file."
)
@click.option("--dry-run", is_flag=True, help="Check and count everything, then keep nothing.")
@click.option("--rejected-out", type=click.Path(path_type=Path),
              help="Where refused rows go (.csv or .xlsx, or a folder); default FILE.rejected.csv here.")  # fmt: skip
@pass_app
def ingest_command(app: AppContext, kind, paths, skip_invalid, dry_run, rejected_out) -> None:
    """Import companies, orders, listings, packages, demands or notices from CSV, XLSX or JSON files."""
    files = _files(kind, paths)
    if not files:
        raise click.UsageError("no file to import in the folders given")
    session = app.db.sessionmaker()
    failed = False
    reports: list[ImportReport] = []
    try:
        for path in files:
            bars = _ProgressBars(path.name)
            try:
                data = read_import_file(path, app.settings)  # the size is checked before reading
                report = run_import(
                    session, kind, data, path.name, settings=app.settings,
                    skip_invalid=skip_invalid, dry_run=dry_run, progress=bars,
                )  # fmt: skip
            except ImportRejected as err:
                bars.close()
                failed = True
                click.secho(
                    f"{path.name}: {to_zh(err.message, err.params)} / {err}", fg="red", err=True
                )
                _print_problems([p for row in err.report.rejected for p in row.problems])
                _write_rejected(path, err.report, rejected_out)
                break
            except FileRejected as err:
                bars.close()
                failed = True
                click.secho(
                    f"{path.name}: 文件无法导入 / the file cannot be imported", fg="red", err=True
                )
                _print_problems(err.problems)
                break
            except OSError as err:  # unreadable: permissions, a vanished file
                bars.close()
                failed = True
                click.secho(
                    f"{path.name}: 无法读取文件 / the file cannot be read: {err.strerror or err}",
                    fg="red",
                    err=True,
                )
                break
            bars.close()
            reports.append(report)
            _print_summary(path, report)
            _write_rejected(path, report, rejected_out)
        if len(reports) > 1 and not failed:
            _print_totals(reports)
        if failed or dry_run:
            session.rollback()
            click.echo(
                "未保存任何数据 / nothing was saved"
                + (" (dry run)" if dry_run and not failed else "")
            )
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    if failed:
        sys.exit(1)


@click.command("template")
@click.argument("kind", type=click.Choice([k for k in KINDS if k != "notices"]))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def template_command(kind: str, out: Path) -> None:
    """Write the XLSX template of one kind of import file."""
    from ingest.templates import template_bytes

    out.write_bytes(template_bytes(kind))
    click.echo(f"template for {kind} written to {out}")
