"""Builders for test objects with sensible defaults; each returns a flushed, persistent instance."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from models import Company, Listing, Order, ServiceDemand, ServicePackage
from qianfan.accounts import create_user

_serial = itertools.count(1)


class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _add(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def company(self, kind: str = "small_firm", **fields) -> Company:
        n = next(_serial)
        fields.setdefault("name", f"测试企业{n}有限公司")
        fields.setdefault("size_class", "large" if kind == "large_firm" else "small")
        fields.setdefault("founded_on", date(2022, 1, 1))
        return self._add(Company(kind=kind, **fields))

    def user(self, role: str = "small_firm", company: Company | None = None, password: str = "secret-pass-1", **kw):
        kind = {"large_firm": "large_firm", "small_firm": "small_firm", "service_org": "incubator"}.get(role)
        if kind and company is None:
            company = self.company(kind)
        return create_user(
            self.session,
            username=kw.pop("username", f"user{next(_serial)}"),
            password=password,
            role=role,
            company=company,
            **kw,
        )

    def order(self, buyer: Company | None = None, status: str = "draft", **fields) -> Order:
        fields.setdefault("title", "智慧水务数字化平台建设")
        fields.setdefault("description", "供水漏损治理、物联网监测与大数据分析平台")
        fields.setdefault("budget_yuan", Decimal("7460365.00"))
        return self._add(Order(buyer=buyer or self.company("large_firm"), status=status, **fields))

    def listing(self, supplier: Company | None = None, status: str = "draft", **fields) -> Listing:
        fields.setdefault("title", "水务物联网监测系统")
        fields.setdefault("description", "管网漏损监测、远传水表与数据分析")
        return self._add(Listing(supplier=supplier or self.company("small_firm"), status=status, **fields))

    def package(self, provider: Company | None = None, status: str = "draft", **fields) -> ServicePackage:
        fields.setdefault("title", "知识产权代理服务包")
        fields.setdefault("category", "ip")
        fields.setdefault("quota", 10)
        return self._add(ServicePackage(provider=provider or self.company("incubator"), status=status, **fields))

    def demand(self, company: Company | None = None, status: str = "draft", **fields) -> ServiceDemand:
        fields.setdefault("title", "专利申请代理")
        fields.setdefault("category", "ip")
        return self._add(ServiceDemand(company=company or self.company("small_firm"), status=status, **fields))
