"""Reference tables: GB/T 4754-2017 industries, 2023 division codes, the 2022 procurement catalogue."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Industry(Base):
    """国民经济行业分类: 门类 (letter), 大类 (2 digits), 中类 (3), 小类 (4)."""

    __tablename__ = "industry"
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    level: Mapped[int]
    name: Mapped[str] = mapped_column(String(100), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("industry.code"))
    section: Mapped[str] = mapped_column(String(1))  # 门类 letter, for roll-ups
    description: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Industry {self.code} {self.name!r}>"


class Region(Base):
    """统计用区划代码: province (2 digits), city (4), district/county (6)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    level: Mapped[int]
    name: Mapped[str] = mapped_column(String(60), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.full_name!r}>"


class ProcurementCategory(Base):
    """政府采购品目分类目录 2022: goods (A), engineering (B), services (C)."""

    __tablename__ = "procurement_category"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    type: Mapped[str] = mapped_column(String(12))
    level: Mapped[int]
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("procurement_category.code"))

    def __repr__(self) -> str:
        return f"<ProcurementCategory {self.code} {self.name!r}>"
