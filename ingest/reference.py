"""Loads the reference tables from the data Qianfan ships (ingest/data/reference, see PROVENANCE.md)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from models import Industry, ProcurementCategory, Region

REFERENCE_DIR = Path(__file__).parent / "data" / "reference"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def industry_rows(directory: Path = REFERENCE_DIR) -> list[dict]:
    rows = list(_rows(directory / "gbt4754_2017.csv"))
    codes = {row["code"] for row in rows}
    seen: dict[str, dict] = {}
    for row in rows:
        level = int(row["level"])
        # Where a 中类 has a single 小类 the source omits the 中类 row; the 小类 then hangs from its 大类.
        parents = [row[f] for f in ("zhong_lei", "da_lei", "men_lei")[4 - level :] if row[f] in codes]
        seen.setdefault(  # the source lists one code twice; the first one stands
            row["code"],
            {
                "code": row["code"],
                "level": level,
                "name": row["name"].strip(),
                "parent_code": parents[0] if parents and parents[0] != row["code"] else None,
                "section": row["men_lei"],
                "description": row["description"].strip() or None,
            },
        )
    return sorted(seen.values(), key=lambda r: r["level"])


def region_rows(directory: Path = REFERENCE_DIR / "regions") -> list[dict]:
    provinces = {r["code"]: r["name"] for r in _rows(directory / "provinces.csv")}
    cities = {r["code"]: (r["name"], r["provinceCode"]) for r in _rows(directory / "cities.csv")}
    rows = [
        {"code": code, "level": 1, "name": name, "full_name": name, "parent_code": None}
        for code, name in provinces.items()
    ]
    for code, (name, province) in cities.items():
        # "市辖区" (the districts of a municipality) is no place name of its own.
        full = provinces[province] + ("" if name in ("市辖区", "县") else name)
        rows.append({"code": code, "level": 2, "name": name, "full_name": full, "parent_code": province})
    for row in _rows(directory / "areas.csv"):
        city_name, province = cities[row["cityCode"]]
        city_part = "" if city_name in ("市辖区", "县") else city_name
        rows.append(
            {
                "code": row["code"],
                "level": 3,
                "name": row["name"],
                "full_name": provinces[province] + city_part + row["name"],
                "parent_code": row["cityCode"],
            }
        )
    return rows


def procurement_rows(directory: Path = REFERENCE_DIR) -> list[dict]:
    rows = list(_rows(directory / "procurement_catalog_2022.csv"))
    codes = {r["code"] for r in rows}
    out = [
        {
            "code": r["code"],
            "name": r["name"].strip(),
            "type": r["type"],
            "level": int(r["level"]),
            # A few entries name a parent the catalogue does not list; they hang from the root.
            "parent_code": r["parent_code"] if r["parent_code"] in codes else None,
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: r["level"])


def load_reference(session: Session) -> dict[str, int]:
    """Fill empty reference tables; tables that already hold rows are left as they are."""
    loaded = {}
    for model, rows_of in ((Industry, industry_rows), (Region, region_rows), (ProcurementCategory, procurement_rows)):
        if session.scalar(select(func.count()).select_from(model)):
            loaded[model.__tablename__] = 0
            continue
        rows = rows_of()
        session.execute(insert(model), rows)
        loaded[model.__tablename__] = len(rows)
    session.flush()
    return loaded
