"""The open market's rows of the access matrix (webapp/market.py) and the objects they need in its world.

Published orders and listings are open to the other side by design (issue 12): the world's published
"机密" order and listing are found by every small / large firm, so the browse pages are asked for words
that find none of them, and the pages of one posting are asked for the owner's *unpublished* ones, which
no other firm may read. The firm profile is the rival firm's, which has nothing secret.
"""

from __future__ import annotations

from models.market import Attachment, SavedSearch
from qianfan.config import instance_dir
from qianfan.market.attachments import attachment_root


def market_rows(row, OK, MOVED, DENY, HIDDEN) -> dict:  # noqa: N803 - the matrix's status names
    return {
        "market.orders": row("/market/orders?q=竞争对手", small_firm=OK, staff=OK, owner="own_small"),
        "market.listings": row("/market/listings?q=竞争对手", large_firm=OK, staff=OK, owner="own_large"),
        "market.order": row("/market/orders/{secret_order}", large_firm=HIDDEN, small_firm=HIDDEN,
                            staff=OK, owner="own_large"),  # fmt: skip
        "market.listing": row("/market/listings/{secret_listing}", large_firm=HIDDEN, small_firm=HIDDEN,
                              staff=OK, owner="own_small"),  # fmt: skip
        "market.firm": row("/market/firms/{rival_firm}", large_firm=OK, small_firm=HIDDEN, staff=OK),
        "market.contract_files": row("/market/contracts/{contract}/files", large_firm=HIDDEN,
                                     small_firm=HIDDEN, staff=OK, owner="own_small"),  # fmt: skip
        "market.open_deal": row("/market/orders/{order}/deal", "POST", small_firm=HIDDEN, owner="own_small",
                                data={"listing": "{listing}"}),  # fmt: skip
        "market.searches": row("/market/searches", large_firm=OK, small_firm=OK, owner="own_small"),
        "market.save_search": row("/market/searches", "POST", large_firm=MOVED, small_firm=MOVED,
                                  data={"name": "测试", "q": "水务"}),  # fmt: skip
        "market.subscribe": row("/market/searches/{saved}/subscribe", "POST", large_firm=HIDDEN,
                                small_firm=HIDDEN, owner="own_small"),  # fmt: skip
        "market.unsubscribe": row("/market/searches/{saved}/unsubscribe", "POST", large_firm=HIDDEN,
                                  small_firm=HIDDEN, owner="own_small"),  # fmt: skip
        "market.delete_search": row("/market/searches/{saved}/delete", "POST", large_firm=HIDDEN,
                                    small_firm=HIDDEN, owner="own_small"),  # fmt: skip
        # Uploading without a file is refused with a message on the page (302 back to it) for the owner.
        "market.upload": row("/attachments/order/{secret_order}", "POST", large_firm=HIDDEN,
                             small_firm=HIDDEN, owner="own_large"),  # fmt: skip
        "market.download": row("/attachments/{secret_file}", large_firm=HIDDEN, small_firm=HIDDEN,
                               staff=OK, owner="own_large"),  # fmt: skip
        "market.delete_attachment": row("/attachments/{secret_file}/delete", "POST", large_firm=HIDDEN,
                                        small_firm=HIDDEN, owner="own_large"),  # fmt: skip
    }


def market_world(factory, session, own_large, own_small, rival, title) -> dict:
    """The owners' unpublished order and listing, a file on the order, a saved search of the small firm."""
    secret_order = factory.order(buyer=own_large.company, status="submitted", title=title("待审订单"))
    secret_listing = factory.listing(supplier=own_small.company, status="draft", title=title("草稿供给"))
    root = attachment_root({})
    assert root.is_relative_to(instance_dir())
    root.mkdir(parents=True, exist_ok=True)
    (root / "secret0000.pdf").write_bytes(b"%PDF-1.4 " + title("标书").encode())
    secret_file = Attachment(target_kind="order", target_id=secret_order.id, filename=title("标书.pdf"),
                             stored_name="secret0000.pdf", content_type="application/pdf", size_bytes=30)  # fmt: skip
    search = SavedSearch(user_id=own_small.id, kind="order", name=title("搜索"), filters={"q": "水务"})
    session.add_all([secret_file, search])
    session.flush()
    return {"secret_order": secret_order.id, "secret_listing": secret_listing.id, "secret_file": secret_file.id,
            "saved": search.id, "rival_firm": rival.company_id}  # fmt: skip
