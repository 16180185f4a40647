"""Alembic environment: runs on the connection qianfan.schema hands it."""

from alembic import context

from models import Base
from models.base import UTCDateTime


def render_item(type_, obj, autogen_context):
    """Migrations spell UTCDateTime as the column type it stores, so they never import the models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Full-text search tables made by migration 0008 (SQLite FTS5 with its shadow tables, PostgreSQL tsvector
# tables) are kept by triggers, not models: the drift check leaves them out.
SEARCH_TABLES = ("order_search", "listing_search")


def include_name(name, type_, parent_names):
    return not (type_ == "table" and name and name.startswith(SEARCH_TABLES))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
