"""The demo: loads on both backends, the same for a seed, composed rows marked, accounts that log in."""

from __future__ import annotations

import random
import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from ingest.credit_code import parse_credit_code
from models import (
    AuditEvent,
    Company,
    CompanyQualification,
    Contract,
    Listing,
    Match,
    Order,
    ServiceDemand,
    ServicePackage,
)
from models.errors import DomainError
from qianfan.accounts import authenticate
from qianfan.cli import main
from qianfan.db import Database
from qianfan.demo import SCALES, advance_demo_deals, load_demo

TODAY = date(2026, 9, 1)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_small_demo_loads_the_planned_counts(session):
    summary = load_demo(session, "small", seed=1, today=TODAY)
    session.commit()
    small = SCALES["small"]
    assert count(session, Order) == small.orders
    assert count(session, Company, Company.kind == "small_firm") == small.small_firms
    assert count(session, Listing) == small.listings
    assert count(session, ServicePackage) == small.packages
    assert count(session, ServiceDemand) == small.demands
    assert (
        count(session, Company, Company.kind.in_(("incubator", "service_org", "financial")))
        == small.providers
    )
    assert (
        summary.counts["large_firms"] == count(session, Company, Company.kind == "large_firm") > 5
    )
    assert summary.set_aside_notices > 0


def test_composed_rows_are_marked_and_real_orders_are_not(session):
    load_demo(session, "small", seed=1, today=TODAY)
    session.flush()
    for model in (Listing, ServicePackage, ServiceDemand):
        assert count(session, model, model.is_composed.is_(False)) == 0
    assert (
        count(session, Company, Company.kind == "small_firm", Company.is_composed.is_(False)) == 0
    )
    assert count(session, Company, Company.kind == "large_firm", Company.is_composed.is_(True)) == 0
    real = session.scalars(select(Order).where(Order.is_composed.is_(False))).all()
    assert len(real) == SCALES["small"].orders
    assert all(
        order.source_key
        and order.source_url
        and order.buyer.name.startswith(("中国", "铁塔", "中移"))
        for order in real
    )


def test_small_firms_have_valid_unique_credit_codes_and_sensible_profiles(session):
    load_demo(session, "small", seed=2, today=TODAY)
    session.flush()
    firms = session.scalars(select(Company).where(Company.kind != "large_firm")).all()
    codes = [firm.credit_code for firm in firms]
    assert all(parse_credit_code(code) == code for code in codes)
    assert len(set(codes)) == len(codes)
    small = [firm for firm in firms if firm.kind == "small_firm"]
    # Zhongguancun's programme: most firms are in Beijing, each in a real district with a real industry.
    assert sum(firm.region_code.startswith("11") for firm in small) > len(small) / 2
    assert all(firm.industry_code and firm.founded_on < TODAY and firm.size_class for firm in small)
    assert count(session, CompanyQualification, CompanyQualification.name == "高新技术企业") > 0


def test_postings_come_in_a_mix_of_statuses_with_reasons_for_rejections(session):
    load_demo(session, "small", seed=1, today=TODAY)
    session.flush()
    statuses = dict(
        session.execute(select(Listing.status, func.count()).group_by(Listing.status)).all()
    )
    assert statuses["published"] > sum(statuses.values()) / 2
    assert {"submitted", "published"} <= set(statuses)
    rejected = session.scalars(
        select(ServiceDemand).where(ServiceDemand.status == "rejected")
    ).all()
    assert all(posting.status_reason for posting in rejected)
    assert count(session, Order, Order.status == "published", Order.published_at.is_(None)) == 0


def test_the_demo_is_the_same_for_a_seed_and_differs_for_another(tmp_path, sqlite_template):
    def snapshot(seed: int, name: str):
        path = tmp_path / name
        shutil.copyfile(sqlite_template, path)
        db = Database(f"sqlite:///{path}")
        with db.session_scope() as session:
            load_demo(session, "small", seed=seed, today=TODAY)
        with db.sessionmaker() as session:
            shot = (
                session.execute(
                    select(Company.name, Company.credit_code, Company.region_code).order_by(
                        Company.id
                    )
                ).all(),
                session.execute(
                    select(Listing.title, Listing.status, Listing.max_contract_yuan).order_by(
                        Listing.id
                    )
                ).all(),
                session.execute(
                    select(Order.source_key, Order.status, Order.deadline).order_by(Order.id)
                ).all(),
                session.execute(
                    select(ServicePackage.title, ServicePackage.quota).order_by(ServicePackage.id)
                ).all(),
                session.execute(
                    select(ServiceDemand.title, ServiceDemand.budget_yuan).order_by(
                        ServiceDemand.id
                    )
                ).all(),
            )
        db.dispose()
        return shot

    first = snapshot(7, "a.sqlite3")
    assert snapshot(7, "b.sqlite3") == first
    assert snapshot(8, "c.sqlite3") != first


def test_demo_accounts_authenticate_with_the_printed_passwords(session):
    summary = load_demo(session, "small", seed=1, today=TODAY)
    session.flush()
    roles = {account.role for account in summary.accounts}
    assert roles == {"staff", "admin", "large_firm", "small_firm", "service_org", "mentor"}
    for account in summary.accounts:
        user = authenticate(session, account.username, account.password)
        assert user is not None and user.role == account.role
        assert (user.company.name if user.company else None) == account.company
    assert authenticate(session, "demo-staff", "not-the-password") is None


def test_loading_twice_is_refused_with_a_clear_message(session):
    load_demo(session, "small", seed=1, today=TODAY)
    session.flush()
    with pytest.raises(DomainError, match="already holds demo data"):
        load_demo(session, "small", seed=1, today=TODAY)


def test_an_unknown_scale_is_refused(session):
    with pytest.raises(DomainError, match="Unknown demo scale"):
        load_demo(session, "huge", seed=1)


def _match_everything(session) -> None:
    """Stand-in for the matching engine: a kept list of a few recommended pairs for each order and demand."""
    from tests.factories import Factory

    factory = Factory(session)
    orders = session.scalars(select(Order.id).where(Order.status == "published").order_by(Order.id)).all()
    listings = session.scalars(select(Listing.id).where(Listing.status == "published").order_by(Listing.id)).all()
    for order_id in orders:
        factory.ranking("order", order_id, listings[:6])
    demands = session.scalars(
        select(ServiceDemand.id).where(ServiceDemand.status == "published").order_by(ServiceDemand.id)
    ).all()
    packages = session.scalars(select(ServicePackage.id).order_by(ServicePackage.id)).all()
    for demand_id in demands:
        factory.ranking("demand", demand_id, packages[:3])
    session.flush()


def test_advancing_deals_walks_matches_through_the_lifecycle(session):
    load_demo(session, "small", seed=1, today=TODAY)
    _match_everything(session)
    counts = advance_demo_deals(session, random.Random(5), today=TODAY)
    session.commit()
    statuses = dict(
        session.execute(select(Match.status, func.count()).group_by(Match.status)).all()
    )
    assert statuses["seen"] + statuses.get("interested", 0) > 0 and statuses["recommended"] > 0
    assert counts["applied"] > 0 and counts.get("accepted", 0) > 0
    # Every signed contract was confirmed by both sides, and each order has at most one.
    contracts = session.scalars(select(Contract)).all()
    assert len(contracts) == statuses.get("contract_signed", 0)
    assert all(
        c.both_confirmed and c.signed_on == TODAY and c.status in ("signed", "performing")
        for c in contracts
    )
    assert len({c.match.order_id for c in contracts}) == len(contracts)
    declined = session.scalars(select(Match).where(Match.status == "declined")).all()
    assert all(match.status_reason for match in declined)
    # quota_used counts exactly the accepted service matches of each package.
    accepted = dict(
        session.execute(
            select(Match.package_id, func.count())
            .where(Match.status == "accepted")
            .group_by(Match.package_id)
        ).all()
    )
    for package in session.scalars(select(ServicePackage)).all():
        assert package.quota_used == accepted.get(package.id, 0) <= package.quota
    assert (
        count(session, AuditEvent, AuditEvent.object_type == "match", AuditEvent.action == "status")
        > 0
    )


@pytest.fixture
def cli_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", url)
    return url


def test_the_demo_command_loads_prints_accounts_and_refuses_a_second_load(runner, cli_url):
    assert runner.invoke(main, ["init-db"]).exit_code == 0
    result = runner.invoke(main, ["demo", "--scale", "small", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert (
        "listings: 150" in result.output
        and "demo-staff" in result.output
        and "示例" in result.output
    )
    password = next(
        line.split()[1]
        for line in result.output.splitlines()
        if line.strip().startswith("demo-admin")
    )
    with Database(cli_url).sessionmaker() as session:
        assert authenticate(session, "demo-admin", password).role == "admin"
        assert count(session, Listing) == 150
    again = runner.invoke(main, ["demo", "--scale", "small"])
    assert again.exit_code == 1
    assert "already holds demo data" in again.output and "Traceback" not in again.output
    skipped = runner.invoke(main, ["demo", "--skip-if-loaded"])
    assert skipped.exit_code == 0 and "already loaded" in skipped.output
    with Database(cli_url).sessionmaker() as session:
        assert count(session, Listing) == 150


def test_the_demo_command_needs_an_initialised_database(runner, cli_url):
    from qianfan.schema import upgrade

    upgrade(Database(cli_url))  # schema but no reference rows
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 1 and "init-db" in result.output


def test_the_demo_composes_mentors_with_sessions_at_every_stage(session):
    from models import Mentor, MentorSession

    summary = load_demo(session, "small", seed=1, today=TODAY)
    session.flush()
    mentors = session.scalars(select(Mentor)).all()
    assert len(mentors) == summary.counts["mentors"] == 60 and all(m.is_composed for m in mentors)
    assert all(m.expertise and m.industry_codes for m in mentors)
    stages = set(session.scalars(select(MentorSession.status)))
    assert stages == {"requested", "accepted", "held", "declined", "withdrawn", "cancelled"}
    held = session.scalars(select(MentorSession).where(MentorSession.status == "held")).all()
    assert held and all(s.note for s in held)
    with_login = [m for m in mentors if m.user_id]
    assert len(with_login) == 3 and {m.user.username for m in with_login} == {"demo-mentor1", "demo-mentor2", "demo-mentor3"}
