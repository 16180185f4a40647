"""The deal loop through the pages: the supplier answers an invitation, the two sides write to each other,
contact persons appear, and each step is counted in the other side's header and listed in its inbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Match, Notification
from qianfan import deals


@pytest.fixture
def invited(factory, session):
    buyer = factory.user("large_firm", username="buyer", display_name="采购部")
    supplier = factory.user("small_firm", username="supplier", display_name="销售部")
    buyer.email = "buyer@example.com"
    order = factory.order(buyer=buyer.company, status="published", title="园区安防改造")
    listing = factory.listing(supplier=supplier.company, status="published")
    match = Match(kind="order", order=order, listing=listing, score=0.8)
    session.add(match)
    session.flush()
    deals.express_interest(session, supplier, match.id)
    session.commit()
    return buyer, supplier, match


def _unread(page: str) -> int:
    found = re.search(r'class="badge unread-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_the_supplier_accepts_writes_and_the_buyer_reads_it_in_the_inbox(client, session, invited):
    buyer, supplier, match = invited
    client.login("buyer")
    assert client.submit(f"/deals/{match.id}/invite").status_code == 302
    client.submit("/logout")

    client.login("supplier")
    page = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert _unread(page) == 1 and "接受邀请" in page and "谢绝邀请" in page
    assert "buyer@example.com" in page  # both sides showed interest: the buyer's contact person
    client.submit(f"/deals/{match.id}/accept-invitation")
    client.submit(f"/deals/{match.id}/messages", {"body": "周三可以到现场踏勘。"})
    refused = client.submit(f"/deals/{match.id}/messages", {"body": "  "}, follow_redirects=True)
    assert "请先填写留言内容。" in refused.get_data(as_text=True)
    client.submit("/logout")

    client.login("buyer")
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert _unread(home) == 3  # the interest, the answer and the message
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "接受了您关于“园区安防改造”的洽谈邀请" in inbox and "周三可以到现场踏勘。" in inbox
    note = session.scalar(select(Notification).where(Notification.user_id == buyer.id, Notification.kind == "message"))
    opened = client.submit(f"/notifications/{note.id}/open")
    assert opened.headers["Location"].endswith(f"/deals/{match.id}")
    deal = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert _unread(deal) == 2 and "周三可以到现场踏勘。" in deal
    client.submit("/notifications/read")
    assert _unread(client.get("/notifications/").get_data(as_text=True)) == 0


def test_a_declined_invitation_needs_a_reason_and_the_buyer_reads_it(client, session, invited):
    buyer, supplier, match = invited
    client.login("buyer")
    client.submit(f"/deals/{match.id}/invite")
    client.submit("/logout")
    client.login("supplier")
    page = client.submit(f"/deals/{match.id}/decline-invitation", {"reason": ""}, follow_redirects=True)
    session.expire_all()
    assert session.get(Match, match.id).status == "invited" and "需要" in page.get_data(as_text=True)
    client.submit(f"/deals/{match.id}/decline-invitation", {"reason": "排期已满"})
    client.submit("/logout")
    client.login("buyer")
    assert "洽谈邀请：排期已满" in client.get("/notifications/").get_data(as_text=True)


def test_e_mail_choices_are_saved_per_kind(client, session, invited):
    buyer, _supplier, _match = invited
    client.login("buyer")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "buyer@example.com" in page and page.count('type="checkbox"') == page.count("checked")
    client.submit("/notifications/settings", {"email": ["invitation", "signed"]})
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert page.count("checked") == 2


def test_an_applied_for_package_stays_on_the_applicants_page_with_its_state(client, session, factory):
    from qianfan import recommendations

    applicant = factory.user("small_firm", username="applicant")
    provider = factory.user("service_org", username="provider")
    demand = factory.demand(company=applicant.company, status="published")
    package = factory.package(provider=provider.company, status="published", title="知识产权托管", quota=2)
    factory.ranking("demand", demand.id, [package.id])
    match = recommendations.open_pair(session, applicant, "service", demand.id, package.id)
    deals.apply_to_package(session, applicant, match.id)
    session.commit()
    client.login("applicant")
    page = client.get("/supply/packages").get_data(as_text=True)
    assert "知识产权托管" in page and "已申请" in page and f"/deals/{match.id}" in page


def test_each_side_of_a_deal_can_open_what_the_other_side_posted(client, session, invited):
    """The supplier reads the order on its market page, the buyer the listing and the firm's profile;
    each link opens for the one who sees it, even once the order is closed."""
    buyer, supplier, match = invited
    client.login("supplier")
    page = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert f'href="/market/orders/{match.order_id}"' in page
    assert f'/market/listings/{match.listing_id}"' not in page  # its own listing: no market link
    match.order.status = "closed"
    session.commit()
    assert "园区安防改造" in client.get(f"/market/orders/{match.order_id}").get_data(as_text=True)
    client.submit("/logout")

    client.login("buyer")
    page = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert f'href="/market/listings/{match.listing_id}"' in page
    assert f'href="/market/firms/{match.listing.supplier_id}"' in page
    assert client.get(f"/market/listings/{match.listing_id}").status_code == 200
    assert client.get(f"/market/firms/{match.listing.supplier_id}").status_code == 200
