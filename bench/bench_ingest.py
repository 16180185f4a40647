"""How fast the importer takes programme-scale files, and how much memory it needs (issue 3).

    .venv/bin/python bench/bench_ingest.py                        # SQLite, CSV and XLSX
    .venv/bin/python bench/bench_ingest.py --postgres postgresql+psycopg://root@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_ingest.py --scale 10             # ten times the programme

The programme's quarter (PRODUCT.md) is 20,000 supply listings from small firms and 700 orders from
170 large firms. The files are composed (no real listings exist): 5,000 small firms named as firms are
registered, each listing naming its firm by name only half the time, so the company de-duplication
runs as it does on real batches. Each import runs in a child process on a fresh database, so the peak
resident memory (ru_maxrss) is its own; the figures are the `run_import` call and its commit, after the
schema and reference tables are in place. The second import of the same file (all rows unchanged) is
timed too, since re-imports are common.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402

_TRADE = "华信泰达中科博瑞智云天宇恒通联创新远航盛安捷鼎德佳英源汇明光启星睿晟禾嘉"
_PLACES = (
    "北京市海淀区",
    "北京市朝阳区",
    "北京市丰台区",
    "北京市昌平区",
    "北京市大兴区",
    "北京市顺义区",
)
_TRADES = ("科技", "信息技术", "网络科技", "智能科技", "软件", "电子")
_OFFERS = ("物联网监测系统", "数据治理平台", "智慧园区运营服务", "工业视觉检测设备", "云原生迁移服务", "边缘计算网关",
           "能耗管理系统", "安全运维服务", "数字孪生建模", "智能客服机器人", "供应链协同平台", "电子签章服务")  # fmt: skip
_INDUSTRIES = ("6513", "6531", "6532", "6540", "6550", "6560", "3921", "4011")


def _firms(rng: random.Random, count: int, suffix: str) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        trade = "".join(rng.sample(_TRADE, 3))
        names.add(f"{rng.choice(_PLACES)}{trade}{rng.choice(_TRADES)}{suffix}")
    return sorted(names)


def write_files(folder: Path, scale: int) -> dict[str, Path]:
    rng = random.Random(3)
    small = _firms(rng, 5000 * scale, "有限公司")
    large = _firms(rng, 170 * scale, "集团有限公司")
    listings = [
        [
            "编号",
            "供应企业",
            "供给名称",
            "描述",
            "供给类型",
            "所属行业",
            "最大承接金额",
            "服务区域",
            "标签",
        ]
    ]
    for i in range(20000 * scale):
        firm = rng.choice(small)
        offer = rng.choice(_OFFERS)
        name = (
            firm if rng.random() < 0.5 else firm.replace("北京市", "").replace("有限公司", "公司")
        )
        listings.append([f"L{i:07d}", name, f"{offer}（{i}）", f"{firm}提供的{offer}，覆盖设计、实施与运维。",
                         rng.choice(["产品", "技术", "服务"]), rng.choice(_INDUSTRIES),
                         f"{rng.randint(10, 5000)}万元", rng.choice(["北京市", "北京市；河北省", ""]),
                         "；".join(rng.sample(["物联网", "大数据", "人工智能", "信创", "运维"], 2))])  # fmt: skip
    orders = [
        ["编号", "采购单位", "项目名称", "描述", "预算金额", "截止时间", "区域要求", "资质要求"]
    ]
    for i in range(700 * scale):
        offer = rng.choice(_OFFERS)
        orders.append([f"O{i:06d}", rng.choice(large), f"{offer}采购项目（{i}）", f"采购{offer}及三年运维。",
                       rng.choice(["746.0365万元", "1727000元", "709639.20元", "1.2亿元", "面议", "公告未明确列示"]),
                       "2026年09月11日09时30分", rng.choice(["北京市海淀区", "北京", ""]), "ISO 9001；CMMI 3"])  # fmt: skip
    files = {}
    for kind, rows in (("listings", listings), ("orders", orders)):
        path = folder / f"{kind}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
        files[f"{kind}.csv"] = path
    from openpyxl import Workbook

    # A normal workbook, saved with shared strings as Excel saves them (write-only mode inlines them).
    book = Workbook()
    sheet = book.active
    sheet.title = "供给"
    for row in listings:
        sheet.append(row)
    files["listings.xlsx"] = folder / "listings.xlsx"
    book.save(files["listings.xlsx"])
    return files


def child(kind: str, path: str, url: str, fresh: bool) -> None:
    """Import one file into `url` (twice: new, then unchanged) and print the figures as JSON."""
    from ingest.reference import load_reference
    from qianfan.config import DEFAULTS
    from qianfan.db import Database
    from qianfan.importing import run_import
    from qianfan.schema import upgrade

    db = Database(url)
    if fresh:
        upgrade(db)
        with db.session_scope() as session:
            load_reference(session)
    data = Path(path).read_bytes()
    settings = {**DEFAULTS, "IMPORT_MAX_ROWS": 10_000_000, "IMPORT_MAX_BYTES": 1 << 31}
    figures = {}
    for run in ("first", "again"):
        started = time.perf_counter()
        with db.session_scope() as session:
            report = run_import(session, kind, data, Path(path).name, settings=settings)
        seconds = time.perf_counter() - started
        figures[run] = {"rows": report.total_rows, "seconds": round(seconds, 2),
                        "inserted": report.inserted, "unchanged": report.unchanged,
                        "companies_created": report.companies_created}  # fmt: skip
    figures["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures))


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from qianfan.db import Database

    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="multiple of the programme's quarter")
    parser.add_argument(
        "--postgres", help="a scratch PostgreSQL database URL (its public schema is dropped)"
    )
    parser.add_argument(
        "--child", nargs=4, metavar=("KIND", "FILE", "URL", "FRESH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        kind, path, url, fresh = args.child
        child(kind, path, url, fresh == "1")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write_files(folder, args.scale)
        print(
            f"programme scale x{args.scale}: "
            + ", ".join(f"{n} {p.stat().st_size / 1e6:.1f} MB" for n, p in files.items())
        )
        for name in ("orders.csv", "listings.csv", "listings.xlsx"):
            kind = name.split(".")[0]
            if args.postgres:
                _reset_postgres(args.postgres)
                url = args.postgres
            else:
                url = f"sqlite:///{folder / (name + '.sqlite3')}"
            out = subprocess.run([sys.executable, __file__, "--child", kind, str(files[name]), url, "1"],
                                 capture_output=True, text=True, check=True)  # fmt: skip
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            backend = "postgresql" if args.postgres else "sqlite"
            for run in ("first", "again"):
                f = figures[run]
                print(f"{name:<14} {backend:<10} {run:<5} {f['rows']:>7} rows in {f['seconds']:>6.2f} s = "
                      f"{f['rows'] / f['seconds']:>7.0f} rows/s (inserted {f['inserted']}, unchanged {f['unchanged']}, "
                      f"companies created {f['companies_created']})")  # fmt: skip
            print(f"{'':<14} peak resident memory {figures['peak_rss_mib']} MiB")
    print_machine_details()


if __name__ == "__main__":
    main()
