"""Alembic environment: runs on the connection qianfan.schema hands it."""

from alembic import context

from models import Base
from models.base import UTCDateTime


def render_item(type_, obj, autogen_context):
    """Migrations spell UTCDateTime as the column type it stores, so they never import the models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
