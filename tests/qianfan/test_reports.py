"""The staff dashboard's figures and the filterable lists behind the exports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models import Contract, Match, transition
from models.errors import Forbidden, ValidationError
from qianfan import reports
from qianfan.paging import PageRequest

MONDAY = date(2026, 3, 2)


@pytest.fixture
def staff(factory):
    return factory.user("staff", username="analyst")


def _match(session, order, listing, status="recommended", **fields) -> Match:
    match = Match(kind="order", order=order, listing=listing, score=0.5, status=status, **fields)
    session.add(match)
    session.flush()
    return match


@pytest.fixture
def signed_deal(session, factory, staff):
    """A software order from a Haidian buyer, signed with a Pudong supplier, walked through the lifecycle."""
    buyer = factory.company("large_firm", region_code="110108")
    supplier = factory.company("small_firm", region_code="310115")
    published = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    order = factory.order(buyer=buyer, status="published", industry_code="651", published_at=published)
    listing = factory.listing(supplier=supplier, status="published", industry_code="651", published_at=published)
    match = _match(session, order, listing, created_at=published)
    for step in ("interested", "invited", "negotiating", "intention_signed", "contract_signed"):
        transition(match, step, actor=staff).at = published
    match.intention_signed_at = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    session.add(
        Contract(
            match=match, buyer_id=buyer.id, supplier_id=supplier.id, title=order.title, status="signed",
            amount_yuan=Decimal("2000000"), buyer_confirmed_at=published, supplier_confirmed_at=published,
            signed_on=date(2026, 3, 5),
        )
    )  # fmt: skip
    session.flush()
    return order


def test_a_signed_deal_shows_in_every_part_of_the_dashboard(session, staff, signed_deal):
    board = reports.dashboard(session, staff, today=MONDAY)
    assert board.counters.contracts_signed == 1 and board.counters.signed_value_yuan == Decimal("2000000")
    assert [(s.key, s.orders) for s in board.funnel] == [
        ("posted", 1), ("matched", 1), ("interested", 1), ("invited", 1), ("negotiating", 1),
        ("intention_signed", 1), ("contract_signed", 1),
    ]  # fmt: skip
    this_week = board.weeks[-1]
    assert (this_week.week, this_week.orders, this_week.listings, this_week.interested) == (MONDAY, 1, 1, 1)
    assert (this_week.intentions, this_week.contracts) == (1, 1)
    software = next(r for r in board.by_industry if r.code == "I")
    assert (software.name, software.orders, software.listings, software.contracts) == (
        "信息传输、软件和信息技术服务业", 1, 1, 1,
    )  # fmt: skip
    districts = {r.code: r for r in board.by_district}
    assert districts["110108"].orders == 1 and districts["110108"].name.endswith("海淀区")
    assert districts["310115"].contracts == 1 and districts["310115"].signed_value_yuan == Decimal("2000000")


def test_the_funnel_remembers_a_deal_declined_after_it_was_invited(session, factory, staff):
    order = factory.order(status="published")
    declined = _match(session, order, factory.listing(status="published"))
    for step in ("interested", "invited"):
        transition(declined, step, actor=staff)
    transition(declined, "declined", actor=staff, reason="价格不合适")
    recommended = factory.listing(status="published")
    factory.ranking("order", order.id, [declined.listing_id, recommended.id])  # the order's kept list
    session.flush()
    steps = {s.key: (s.orders, s.matches) for s in reports.dashboard(session, staff).funnel}
    assert steps["matched"] == (1, 2)
    assert steps["invited"] == (1, 1) and steps["negotiating"] == (0, 0)


def test_weeks_follow_beijing_time(session, factory, staff):
    # Sunday 20:00 UTC is already Monday 04:00 in Beijing: it belongs to the week starting that Monday.
    factory.order(status="published", published_at=datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
    factory.order(status="published", published_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    weeks = {w.week: w.orders for w in reports.dashboard(session, staff, today=MONDAY).weeks}
    assert weeks[MONDAY] == 1 and weeks[date(2026, 2, 23)] == 1
    assert len(weeks) == reports.WEEKS


def test_weeks_follow_the_programme_time_zone_setting(session, factory, staff):
    from qianfan import localtime

    factory.order(status="published", published_at=datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
    localtime.configure({"TIMEZONE": "UTC"})
    try:  # in UTC, Sunday 20:00 is still the week that started on Monday 23 February
        weeks = {w.week: w.orders for w in reports.dashboard(session, staff, today=MONDAY).weeks}
    finally:
        localtime.configure({})
    assert weeks[MONDAY] == 0 and weeks[date(2026, 2, 23)] == 1


def test_lists_filter_by_words_status_industry_section_and_district(session, factory, staff):
    haidian = factory.company("large_firm", name="北京海淀智造集团有限公司", region_code="110108")
    wanted = factory.order(buyer=haidian, status="published", industry_code="651", title="数据中台建设")
    factory.order(buyer=haidian, status="draft", industry_code="651")
    factory.order(status="published", industry_code="39")
    filters = reports.ListFilters(q="智造", status="published", section="I", region="1101")
    page = reports.report_page(session, staff, "orders", filters, PageRequest())
    assert page.items == [wanted] and page.total == 1


def test_search_words_are_taken_literally(session, factory, staff):
    factory.order(status="published", title="100%国产化改造")
    factory.order(status="published", title="国产化改造")
    page = reports.report_page(session, staff, "orders", reports.ListFilters(q="100%"), PageRequest())
    assert [o.title for o in page.items] == ["100%国产化改造"]


def test_an_export_has_every_matching_row_with_label_columns_marked(session, factory, staff):
    for n in range(3):
        factory.listing(status="published", title=f"供给{n}")
    table = reports.report_table(session, staff, "listings", reports.ListFilters(status="published"), "title")
    assert [row[1] for row in table.rows] == ["供给0", "供给1", "供给2"]
    assert {table.titles[i] for i in table.label_columns} == {"Kind", "Status"}


def test_unknown_filter_values_are_refused_with_the_field_named(session, staff):
    with pytest.raises(ValidationError) as err:
        reports.report_page(session, staff, "orders", reports.ListFilters(status="lost"), PageRequest())
    assert err.value.field == "status"


def test_firms_do_not_see_the_programme_reports(session, factory):
    with pytest.raises(Forbidden):
        reports.dashboard(session, factory.user("large_firm"))
