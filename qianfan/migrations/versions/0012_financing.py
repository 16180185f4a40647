"""financing: receivables financing on signed contracts, and the financial_institution role (issue 14)

Revision ID: 0012_financing
Revises: 0008_search_attachments
Create Date: 2026-11-27

- `financing_application`: a small firm's application on a signed contract, with the clock from
  application to money; the partial unique index `uq_financing_application_live_contract` allows one live
  application per contract (no receivable financed twice), on SQLite and PostgreSQL alike;
- `financing_choice`: the institutions the firm chose (none when it chose all of them);
- `financing_offer`: each institution's answer (question, offer, refusal); one accepted per application;
- `app_user.role`: the role `financial_institution` (21 characters: the column grows to 32) in the
  `role_allowed` check. Downgrading turns those accounts into `service_org` ones (an older schema has no
  lender role; a company of kind "financial" may have service organisation accounts).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_financing"
down_revision = "0008_search_attachments"
branch_labels = None
depends_on = None

OLD_ROLES = ("large_firm", "small_firm", "service_org", "staff", "admin")
ROLES = ("large_firm", "small_firm", "service_org", "financial_institution", "staff", "admin")


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table('financing_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('all_institutions', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_amount_yuan', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('repaid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('applied', 'confirmed', 'disputed', 'accepted', 'paid', 'repaid', 'withdrawn', 'cancelled')", name=op.f('ck_financing_application_status_allowed')),
    sa.CheckConstraint('amount_yuan > 0', name=op.f('ck_financing_application_amount_positive')),
    sa.CheckConstraint('paid_amount_yuan IS NULL OR paid_amount_yuan > 0', name=op.f('ck_financing_application_paid_amount_positive')),
    sa.ForeignKeyConstraint(['applicant_id'], ['company.id'], name=op.f('fk_financing_application_applicant_id_company')),
    sa.ForeignKeyConstraint(['buyer_id'], ['company.id'], name=op.f('fk_financing_application_buyer_id_company')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_financing_application_contract_id_contract')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_application'))
    )
    with op.batch_alter_table('financing_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_application_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_application_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_application_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_application_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_application_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('uq_financing_application_live_contract', ['contract_id'], unique=True, sqlite_where=sa.text("status IN ('applied', 'confirmed', 'accepted', 'paid')"), postgresql_where=sa.text("status IN ('applied', 'confirmed', 'accepted', 'paid')"))

    op.create_table('financing_choice',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['financing_application.id'], name=op.f('fk_financing_choice_application_id_financing_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['company.id'], name=op.f('fk_financing_choice_institution_id_company')),
    sa.PrimaryKeyConstraint('application_id', 'institution_id', name=op.f('pk_financing_choice'))
    )
    with op.batch_alter_table('financing_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_choice_institution_id'), ['institution_id'], unique=False)

    op.create_table('financing_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('amount_yuan', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('rate_percent', sa.Numeric(precision=6, scale=3), nullable=True),
    sa.Column('term_days', sa.Integer(), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('reviewing', 'info_requested', 'offered', 'declined', 'accepted', 'lapsed', 'withdrawn')", name=op.f('ck_financing_offer_status_allowed')),
    sa.CheckConstraint("status NOT IN ('offered', 'accepted') OR (amount_yuan > 0 AND rate_percent > 0 AND term_days > 0)", name=op.f('ck_financing_offer_offer_has_terms')),
    sa.ForeignKeyConstraint(['application_id'], ['financing_application.id'], name=op.f('fk_financing_offer_application_id_financing_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['company.id'], name=op.f('fk_financing_offer_institution_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_offer')),
    sa.UniqueConstraint('application_id', 'institution_id', name='application_institution')
    )
    with op.batch_alter_table('financing_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_offer_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_offer_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('uq_financing_offer_accepted', ['application_id'], unique=True, sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))

    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint("role_allowed", type_="check")
        batch.alter_column("role", existing_type=sa.VARCHAR(length=20), type_=sa.String(length=32),
                           existing_nullable=False)
        batch.create_check_constraint("role_allowed", f"role IN ({_quoted(ROLES)})")


def downgrade() -> None:
    # Lenders' accounts become service organisation accounts (a "financial" company may have those), so
    # that every row pointing at them (audit records, notifications, mail) stays as it was.
    op.execute(sa.text("UPDATE app_user SET role = 'service_org' WHERE role = 'financial_institution'"))
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint("role_allowed", type_="check")
        batch.alter_column("role", existing_type=sa.String(length=32), type_=sa.VARCHAR(length=20),
                           existing_nullable=False)
        batch.create_check_constraint("role_allowed", f"role IN ({_quoted(OLD_ROLES)})")

    with op.batch_alter_table('financing_offer', schema=None) as batch_op:
        batch_op.drop_index('uq_financing_offer_accepted', sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
        batch_op.drop_index(batch_op.f('ix_financing_offer_updated_at'))
        batch_op.drop_index(batch_op.f('ix_financing_offer_institution_id'))

    op.drop_table('financing_offer')
    with op.batch_alter_table('financing_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_financing_choice_institution_id'))

    op.drop_table('financing_choice')
    with op.batch_alter_table('financing_application', schema=None) as batch_op:
        batch_op.drop_index('uq_financing_application_live_contract', sqlite_where=sa.text("status IN ('applied', 'confirmed', 'accepted', 'paid')"), postgresql_where=sa.text("status IN ('applied', 'confirmed', 'accepted', 'paid')"))
        batch_op.drop_index(batch_op.f('ix_financing_application_updated_at'))
        batch_op.drop_index(batch_op.f('ix_financing_application_status'))
        batch_op.drop_index(batch_op.f('ix_financing_application_contract_id'))
        batch_op.drop_index(batch_op.f('ix_financing_application_buyer_id'))
        batch_op.drop_index(batch_op.f('ix_financing_application_applicant_id'))

    op.drop_table('financing_application')
