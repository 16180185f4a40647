"""search and attachments: full-text search of orders and listings, attachments, saved searches (issue 12)

Revision ID: 0008_search_attachments
Revises: 0010_accounts_mail
Create Date: 2026-11-27

`order_search` and `listing_search` index the jieba tokens the matcher keeps in each posting's `tokens`
column (the fingerprint and the field break, which start with '#', left out). Triggers keep them in step
with every write, whatever path it takes (forms, imports, the demo, the matcher's re-tokenising):
- SQLite: FTS5 tables (rowid = the posting's id, the unicode61 tokenizer splits on the spaces between
  the tokens).
- PostgreSQL: a table of `tsvector`s (the 'simple' configuration: no stemming, no stop words) with a GIN
  index, filled by a PL/pgSQL trigger function.
These tables are not models: migrations/env.py leaves them out of the drift check (SEARCH_TABLES).

Caution for later migrations: a SQLite batch migration that *recreates* purchase_order or listing drops
their triggers; re-create them with `create_search_triggers` below.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_search_attachments"
down_revision = "0010_accounts_mail"
branch_labels = None
depends_on = None

# search table -> (posting table, key column on PostgreSQL)
SEARCHED = {"order_search": ("purchase_order", "order_id"), "listing_search": ("listing", "listing_id")}


def _sqlite_body(row: str) -> str:
    return (
        f"(SELECT group_concat(value, ' ') FROM json_each({row}.tokens)"
        " WHERE json_each.type = 'text' AND value NOT LIKE '#%')"
    )


def create_search_triggers(search: str) -> None:
    table, key = SEARCHED[search]
    if op.get_bind().dialect.name == "sqlite":
        insert = f"INSERT INTO {search}(rowid, body) VALUES (new.id, {_sqlite_body('new')});"
        op.execute(f"CREATE TRIGGER {search}_ai AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(
            f"CREATE TRIGGER {search}_au AFTER UPDATE OF tokens ON {table} BEGIN "
            f"DELETE FROM {search} WHERE rowid = old.id; {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER {search}_ad AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM {search} WHERE rowid = old.id; END"
        )
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {search}_sync() RETURNS trigger AS $$
        BEGIN
            INSERT INTO {search} ({key}, document)
            VALUES (NEW.id, to_tsvector('simple', CASE WHEN json_typeof(NEW.tokens) = 'array' THEN
                coalesce((SELECT string_agg(t, ' ') FROM json_array_elements_text(NEW.tokens) AS t
                          WHERE left(t, 1) <> '#'), '') ELSE '' END))
            ON CONFLICT ({key}) DO UPDATE SET document = EXCLUDED.document;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        f"CREATE TRIGGER {search}_sync AFTER INSERT OR UPDATE OF tokens ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {search}_sync()"
    )


def _create_search(search: str) -> None:
    table, key = SEARCHED[search]
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE {search} USING fts5(body, tokenize = 'unicode61')")
        op.execute(f"INSERT INTO {search}(rowid, body) SELECT p.id, {_sqlite_body('p')} FROM {table} AS p")
    else:
        op.execute(
            f"CREATE TABLE {search} ({key} integer PRIMARY KEY REFERENCES {table}(id) ON DELETE CASCADE,"
            " document tsvector NOT NULL)"
        )
        op.execute(f"CREATE INDEX ix_{search}_document ON {search} USING gin (document)")
    create_search_triggers(search)
    if op.get_bind().dialect.name != "sqlite":
        op.execute(f"UPDATE {table} SET tokens = tokens")  # the trigger fills the table for existing rows


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("target_kind IN ('order', 'listing', 'contract')", name=op.f("ck_attachment_target_allowed")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["app_user.id"], name=op.f("fk_attachment_uploaded_by_id_app_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachment_stored_name")),
    )  # fmt: skip
    op.create_index("ix_attachment_target", "attachment", ["target_kind", "target_id"], unique=False)
    op.create_index(op.f("ix_attachment_updated_at"), "attachment", ["updated_at"], unique=False)
    op.create_table(
        "saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("kind IN ('order', 'listing')", name=op.f("ck_saved_search_kind_allowed")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_saved_search_user_id_app_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search")),
    )  # fmt: skip
    op.create_index(op.f("ix_saved_search_user_id"), "saved_search", ["user_id"], unique=False)
    op.create_index(op.f("ix_saved_search_updated_at"), "saved_search", ["updated_at"], unique=False)
    for search in SEARCHED:
        _create_search(search)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for search, (table, _key) in SEARCHED.items():
        if sqlite:
            for suffix in ("ai", "au", "ad"):
                op.execute(f"DROP TRIGGER IF EXISTS {search}_{suffix}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {search}_sync ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {search}_sync()")
        op.execute(f"DROP TABLE IF EXISTS {search}")
    op.drop_table("saved_search")
    op.drop_table("attachment")
