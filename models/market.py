"""The open market: files attached to orders, listings and contracts, and the searches users keep.

An `Attachment` belongs to one order, listing or contract (`target_kind`, `target_id`); its bytes live on
disk under the attachment folder (ATTACHMENT_DIR) as `stored_name`, never under the name it was uploaded
with. A `SavedSearch` is a user's search of open orders or listings (its filters as a dict); when
`subscribed`, postings published after `checked_at` that it finds are sent to the user.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, one_of

ATTACHMENT_TARGETS = ("order", "listing", "contract")
SEARCH_KINDS = ("order", "listing")


class Attachment(Timestamped, Base):
    """附件: a tender document, a product sheet or a contract file."""

    __tablename__ = "attachment"
    __table_args__ = (
        one_of("target_kind", ATTACHMENT_TARGETS, "target_allowed"),
        Index("ix_attachment_target", "target_kind", "target_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, cleaned; shown and offered on download
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)  # random, on disk
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class SavedSearch(Timestamped, Base):
    """A search of open orders (small firms) or listings (large firms) kept under a name."""

    __tablename__ = "saved_search"
    __table_args__ = (one_of("kind", SEARCH_KINDS, "kind_allowed"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    subscribed: Mapped[bool] = mapped_column(default=False)
    # Alerts cover postings published after this instant (set when subscribing, moved on by each check).
    checked_at: Mapped[datetime | None]
