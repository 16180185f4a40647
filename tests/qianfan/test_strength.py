"""Match strength: where a pair's score stands among this round's recommendations, 0 to 100."""

from __future__ import annotations

import re

import pytest

from models import RankingState
from qianfan.reading.strength import forget, strength_scale


@pytest.fixture(autouse=True)
def _fresh():
    forget()
    yield
    forget()


def test_a_share_of_lower_scores_whatever_the_scale(factory, session):
    # A learned ranker's scores are mostly negative: what a person reads is their order among all.
    factory.ranking("order", 1, [11, 12, 13, 14], scores=[-0.5, -1.0, -2.0, -3.0])
    factory.ranking("order", 2, [21, 22, 23, 24], scores=[0.2, -1.5, -2.5, -4.0], failed=[-1, -1, -1, 3])
    session.flush()
    scale = strength_scale(session, "order")
    assert scale.of(0.2) == 85  # 6 of the 7 recommended pairs scored lower; the near miss does not count
    assert scale.of(-3.0) == 0
    assert scale.of(-1.5) == 42
    assert strength_scale(session, "service").of(0.5) is None  # nothing ranked on that side yet


def test_a_new_generation_is_read_again(factory, session):
    factory.ranking("demand", 1, [5, 6], scores=[0.8, 0.4])
    session.flush()
    assert strength_scale(session, "service").of(0.8) == 50
    state = session.get(RankingState, "service")
    state.generation += 1
    factory.ranking("demand", 1, [5, 6, 7, 8], scores=[0.9, 0.7, 0.6, 0.1])
    session.flush()
    assert strength_scale(session, "service").of(0.8) == 75


def test_a_buyer_reads_strengths_from_0_to_100_best_first(client, factory, session):
    buyer = factory.user("large_firm", username="buyer")
    order = factory.order(buyer=buyer.company, status="published", title="道路巡检系统")
    listings = [factory.listing(status="published", title=f"巡检机器人{i}") for i in range(3)]
    factory.ranking("order", order.id, [item.id for item in listings], scores=[-1.2, -2.4, -3.6])
    session.commit()
    client.login("buyer")
    page = client.get(f"/orders/{order.id}/candidates").get_data(as_text=True)
    shown = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', page) if int(n) > 3]
    assert "匹配度" in page and "-1.20" in page  # the model's own score stays in the reasons
    assert not re.search(r'<td class="num">-', page)
    assert shown == sorted(shown, reverse=True) and shown[0] == 66
