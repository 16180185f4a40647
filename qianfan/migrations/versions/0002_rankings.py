"""rankings: compact ranked candidates per posting (issue 8)

Revision ID: 0002_rankings
Revises: 2e4a6a563f06
Create Date: 2026-11-27

Each posting's ranked list becomes one `ranking` row of arrays; a `match` row is kept only for pairs
someone acted on. Existing data moves: the recommended (not acted on) match rows of each order and each
service demand become that posting's list (generation 1), in their rank order, with their score parts
and near-miss rules; then those rows are deleted. Acted-on matches stay as they are. The other
direction (a listing's orders, a package's demands) did not exist before: the ranking state is left
without a settings key, so the next `qianfan match` (or the scheduled job) ranks every side again.
Downgrade drops the tables; recommendations come back with a rematch of the old version.
"""

import json

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0002_rankings"
down_revision = "2e4a6a563f06"
branch_labels = None
depends_on = None

ORDER_FACTORS = ["text", "title", "industry", "region", "budget", "buyer_history", "experience",
                 "qualification", "grade_fit"]  # fmt: skip
SERVICE_FACTORS = ["text", "title", "industry", "region", "budget"]
ORDER_RULES = ["open", "not_own", "kind", "qualifications", "capacity", "region"]
SERVICE_RULES = ["open", "not_own", "kind", "quota", "age", "district", "industry", "size"]


def upgrade() -> None:
    op.create_table(
        "ranking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_kind", sa.String(length=10), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("candidate_ids", sa.LargeBinary(), nullable=False),
        sa.Column("scores", sa.LargeBinary(), nullable=False),
        sa.Column("failed", sa.LargeBinary(), nullable=False),
        sa.Column("parts", sa.LargeBinary(), nullable=False),
        sa.Column("n_matches", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Double(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "posting_kind IN ('order', 'listing', 'demand', 'package')",
            name=op.f("ck_ranking_posting_kind_allowed"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking")),
        sa.UniqueConstraint("posting_kind", "posting_id", "generation", name="one_per_generation"),
    )
    op.create_table(
        "ranking_state",
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("settings_key", sa.String(length=64), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=80), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("side IN ('order', 'service')", name=op.f("ck_ranking_state_side_allowed")),
        sa.PrimaryKeyConstraint("side", name=op.f("pk_ranking_state")),
    )
    _move_recommended_matches()


def _move_recommended_matches() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, kind, order_id, listing_id, demand_id, package_id, score, score_parts, reasons,"
            " near_miss, updated_at FROM match WHERE status = 'recommended'"
            " ORDER BY kind, order_id, demand_id, near_miss, rank, score DESC, id"
        )
    ).fetchall()
    lists: dict = {}
    for row in rows:
        owner = ("order", row.order_id) if row.kind == "order" else ("demand", row.demand_id)
        lists.setdefault(owner, []).append(row)
    types = {"outcomes": sa.JSON()}  # updated_at passes through as each backend returned it
    ranking = sa.table(
        "ranking", *(sa.column(c, types.get(c)) for c in ("posting_kind", "posting_id", "generation",
                                                          "candidate_ids", "scores", "failed", "parts", "n_matches", "floor",
                                                          "outcomes", "updated_at"))
    )  # fmt: skip
    batch = []
    for (kind, posting_id), entries in lists.items():
        factors = ORDER_FACTORS if kind == "order" else SERVICE_FACTORS
        rules = ORDER_RULES if kind == "order" else SERVICE_RULES
        parts, failed = [], []
        for entry in entries:
            stored = _json(entry.score_parts)
            parts.append([float(stored.get(f, 0.0)) for f in factors])
            rule = (_json(entry.reasons).get("failed") or {}).get("id")
            failed.append(rules.index(rule) if entry.near_miss and rule in rules else -1)
        batch.append({
            "posting_kind": kind, "posting_id": posting_id, "generation": 1,
            "candidate_ids": np.array([e.listing_id if kind == "order" else e.package_id for e in entries],
                                      dtype=np.int64).tobytes(),
            "scores": np.array([e.score for e in entries], dtype=np.float32).tobytes(),
            "failed": np.array(failed, dtype=np.int16).tobytes(),
            "parts": np.array(parts, dtype=np.float32).reshape(len(entries), len(factors)).tobytes(),
            "n_matches": sum(1 for f in failed if f < 0), "floor": 0.0, "outcomes": {}, "updated_at": max(e.updated_at for e in entries),
        })  # fmt: skip
        if len(batch) >= 1000:
            op.bulk_insert(ranking, batch)
            batch = []
    if batch:
        op.bulk_insert(ranking, batch)
    state = sa.table("ranking_state", sa.column("side"), sa.column("generation"), sa.column("factors", sa.JSON()))
    op.bulk_insert(state, [{"side": "order", "generation": 1, "factors": ORDER_FACTORS},
                           {"side": "service", "generation": 1, "factors": SERVICE_FACTORS}])  # fmt: skip
    connection.execute(sa.text("DELETE FROM match WHERE status = 'recommended'"))


def _json(value):
    if value is None:
        return {}
    return json.loads(value) if isinstance(value, str) else value


def downgrade() -> None:
    op.drop_table("ranking_state")
    op.drop_table("ranking")
