"""Builders for test objects with sensible defaults; each returns a flushed, persistent instance."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from models import Company, Listing, Order, Ranking, RankingState, ServiceDemand, ServicePackage
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
        kind = {"large_firm": "large_firm", "small_firm": "small_firm", "service_org": "incubator",
                "financial_institution": "financial"}.get(role)
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

    def ranking(self, kind: str, posting_id: int, candidate_ids: list[int], scores=None, failed=None) -> Ranking:
        """A kept ranked list of the current generation, as a rematch writes it (for tests of the readers)."""
        import numpy as np

        from matcher.factors import factor_names

        side = {"order": "order", "listing": "order", "firm": "mentor", "mentor": "mentor"}.get(kind, "service")
        state = self.session.get(RankingState, side)
        if state is None:
            state = self._add(RankingState(side=side, generation=1, factors=list(factor_names(side))))
        n = len(candidate_ids)
        scores = scores if scores is not None else [0.5 - 0.01 * i for i in range(n)]
        failed = failed if failed is not None else [-1] * n
        parts = np.zeros((n, len(state.factors)), dtype=np.float32)
        parts[:, 0] = scores
        return self._add(Ranking(
            posting_kind=kind, posting_id=posting_id, generation=state.generation,
            candidate_ids=np.array(candidate_ids, dtype=np.int64).tobytes(),
            scores=np.array(scores, dtype=np.float32).tobytes(), failed=np.array(failed, dtype=np.int16).tobytes(),
            parts=parts.tobytes(), n_matches=sum(1 for f in failed if f < 0), floor=0.0, outcomes={},
        ))  # fmt: skip
