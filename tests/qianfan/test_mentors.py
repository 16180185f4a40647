"""Mentors: matched to small firms by the matcher's third kind (kept, explained), the session lifecycle
with its refused moves and who may act, the import with bad rows, and the counters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import AuditEvent, Mentor, MentorSession, Notification, TransitionError
from models.errors import Forbidden, NotFound, ValidationError
from qianfan.config import DEFAULTS
from qianfan.importing import ImportRejected, run_import
from qianfan.mentors import matching, registry, sessions
from qianfan.stats import programme_counters

SETTINGS = {**DEFAULTS, "MATCH_PROCESSES": 1, "MATCH_LOCK_WAIT_SECONDS": 0}
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _mentor(session, staff, name, expertise, industries="", regions="", sessions_per_month="2", **more):
    form = registry.MentorForm(name=name, expertise=expertise, industries=industries, regions=regions,
                               sessions_per_month=sessions_per_month, **more)  # fmt: skip
    return registry.create_mentor(session, staff, form)


@pytest.fixture
def market(factory, session):
    """A water-IoT small firm with a listing and a demand; a mentor who fits it, one who does not, one
    who takes no sessions; a mentor login."""
    staff = factory.user("staff")
    firm_user = factory.user("small_firm")
    firm = firm_user.company
    firm.description = "专注供水管网漏损监测的物联网企业"
    firm.industry_code, firm.region_code = "6513", "110108"
    factory.listing(firm, "published", title="水务物联网监测系统", description="管网漏损监测、远传水表与数据分析",
                    tokens=None)  # fmt: skip
    factory.demand(firm, "published", title="融资路演辅导", description="准备首轮融资，需要商业计划书与路演辅导",
                   category="financing")  # fmt: skip
    fits = _mentor(session, staff, "王水务", "智慧水务与物联网漏损监测产品规划；融资路演辅导", "65", "北京市")
    other = _mentor(session, staff, "李餐饮", "连锁餐饮门店运营与供应链管理", "62", "上海市")
    resting = _mentor(session, staff, "赵休息", "水务物联网漏损监测", "65", "北京市", sessions_per_month="0")
    mentor_user = registry.give_login(session, staff, fits.id, "mentor_wang", "secret-pass-1")
    stranger = factory.user("small_firm")
    session.commit()
    return {"staff": staff, "firm_user": firm_user, "firm": firm, "fits": fits, "other": other,
            "resting": resting, "mentor_user": mentor_user, "stranger": stranger}  # fmt: skip


def _rank(db):
    return matching.rank_mentors(db, SETTINGS, NOW)


def test_a_mentor_whose_expertise_fits_ranks_above_one_that_does_not_and_says_why(db, session, market):
    summary = _rank(db)
    assert summary["mentors"] == 3 and summary["firms_with_mentor"] >= 1
    session.expire_all()
    found = matching.firm_mentors(session, market["firm"])
    names = [r.mentor.name for r in found]
    assert names[0] == "王水务"
    assert "李餐饮" not in names  # nothing in common with the firm
    assert "赵休息" not in names  # takes no sessions
    terms = [t["term"] for t in found[0].reasons["terms"]]
    assert {"漏损", "物联网"} & set(terms)
    assert {p["id"] for p in found[0].reasons["passed"]} == {"open", "availability"}
    assert found[0].score_parts["industry"] > 0 and found[0].score_parts["region"] > 0
    # The mentor's own list names the firm.
    assert [c for c, _ in matching.mentor_firm_ids(session, market["fits"].id)] == [market["firm"].id]


def test_the_mentor_side_is_ranked_again_when_something_it_reads_changes(db, session, market):
    _rank(db)
    session.expire_all()
    assert not matching.is_stale(session, SETTINGS)
    registry.update_mentor(session, market["staff"], market["other"].id, registry.MentorForm(
        name="李餐饮", expertise="水务物联网与漏损监测", industries="65", regions="北京市", sessions_per_month="2"))
    session.commit()
    assert matching.is_stale(session, SETTINGS)
    from qianfan import matching as core

    done = core.rematch_changed(db, settings=SETTINGS, now=NOW)
    assert "mentor" in done
    session.expire_all()
    assert "李餐饮" in [r.mentor.name for r in matching.firm_mentors(session, market["firm"])]


def test_a_session_from_request_to_held(db, session, market):
    _rank(db)
    firm_user, mentor_user = market["firm_user"], market["mentor_user"]
    mentoring = sessions.request_session(session, firm_user, market["fits"].id, "融资路演", "想请教商业计划书")
    session.commit()
    assert mentoring.score is not None  # the mentor was on the firm's list
    assert session.scalar(select(Notification.kind).where(Notification.user_id == mentor_user.id)) == "mentor_request"
    sessions.accept(session, mentor_user, mentoring.id)
    sessions.record_held(session, mentor_user, mentoring.id, "梳理了融资节奏与路演材料")
    session.commit()
    assert mentoring.status == "held" and mentoring.note and mentoring.held_at
    told = session.scalars(select(Notification.params).where(Notification.user_id == firm_user.id)).all()
    assert [p["variant"] for p in told] == ["accepted", "held"]
    moves = session.scalars(select(AuditEvent.to_status).where(
        AuditEvent.object_type == "mentor_session", AuditEvent.object_id == mentoring.id).order_by(AuditEvent.id)).all()
    assert moves == ["requested", "accepted", "held"]
    counters = programme_counters(session)
    assert (counters.mentors, counters.mentors_active, counters.mentor_requests,
            counters.mentor_sessions_accepted, counters.mentor_sessions_held) == (3, 2, 1, 1, 1)


def test_refused_moves_and_who_may_act(session, market):
    firm_user, mentor_user, stranger = market["firm_user"], market["mentor_user"], market["stranger"]
    mentoring = sessions.request_session(session, firm_user, market["fits"].id, "融资路演", "")
    session.flush()
    with pytest.raises(TransitionError):  # not accepted yet
        sessions.record_held(session, mentor_user, mentoring.id, "记录")
    with pytest.raises(Forbidden):  # only the mentor answers
        sessions.accept(session, firm_user, mentoring.id)
    with pytest.raises(NotFound):  # another firm is told it does not exist
        sessions.withdraw(session, stranger, mentoring.id, "不需要了")
    with pytest.raises(NotFound):
        sessions.visible(session, stranger, mentoring.id)
    with pytest.raises(TransitionError):  # declining needs a reason
        sessions.decline(session, mentor_user, mentoring.id, "  ")
    with pytest.raises(ValidationError):  # one open request per mentor and firm
        sessions.request_session(session, firm_user, market["fits"].id, "再问一次", "")
    with pytest.raises(ValidationError):  # a mentor taking no sessions
        sessions.request_session(session, firm_user, market["resting"].id, "漏损", "")
    with pytest.raises(ValidationError) as err:  # a topic is required
        sessions.request_session(session, firm_user, market["other"].id, " ", "")
    assert err.value.field == "topic"
    sessions.decline(session, mentor_user, mentoring.id, "本月已排满")
    with pytest.raises(TransitionError):  # declined is final
        sessions.accept(session, mentor_user, mentoring.id)
    # The other mentor's login (none) and another mentor cannot see it either.
    assert sessions.sessions_page(session, stranger, _page()).total == 0
    assert sessions.sessions_page(session, firm_user, _page()).total == 1
    assert sessions.sessions_page(session, mentor_user, _page()).total == 1


def test_a_held_session_needs_a_note_and_only_an_accepted_one_can_be_cancelled(session, market):
    firm_user, mentor_user = market["firm_user"], market["mentor_user"]
    mentoring = sessions.request_session(session, firm_user, market["fits"].id, "融资路演", "")
    with pytest.raises(TransitionError):
        sessions.cancel(session, firm_user, mentoring.id, "时间冲突")
    sessions.accept(session, mentor_user, mentoring.id)
    with pytest.raises(ValidationError):
        sessions.record_held(session, mentor_user, mentoring.id, "")
    sessions.cancel(session, firm_user, mentoring.id, "时间冲突")
    assert mentoring.status == "cancelled" and mentoring.status_reason == "时间冲突"


def test_staff_registration_names_the_bad_field(session, factory):
    staff = factory.user("staff")
    with pytest.raises(ValidationError) as err:
        _mentor(session, staff, "某导师", "财务规划", industries="不存在的行业")
    assert err.value.field == "industries"
    with pytest.raises(ValidationError) as err:
        _mentor(session, staff, "某导师", "财务规划", sessions_per_month="很多")
    assert err.value.field == "sessions_per_month"
    with pytest.raises(Forbidden):
        _mentor(session, factory.user("small_firm"), "某导师", "财务规划")


CSV_HEAD = "编号,导师姓名,专长,熟悉行业,服务区域,每月可辅导次数,辅导方式\n"


def test_import_is_all_or_nothing_and_names_row_field_and_reason(session):
    bad = (CSV_HEAD + "M1,张明,工业互联网平台规划,65,北京市海淀区,2,线上\n"
           "M2,,品牌营销,不存在的行业,,很多,飞行\n").encode()  # fmt: skip
    with pytest.raises(ImportRejected) as err:
        run_import(session, "mentors", bad, "mentors.csv")
    session.rollback()
    [row] = err.value.report.rejected
    assert row.row == 3
    assert {p.field for p in row.problems} == {"name", "industries", "sessions_per_month", "mode"}
    assert session.scalar(select(Mentor.id)) is None
    good = (CSV_HEAD + "M1,张明,工业互联网平台规划,65,北京市海淀区,2,线上\n").encode()
    assert run_import(session, "mentors", good, "mentors.csv").inserted == 1
    again = (CSV_HEAD + "M1,张明,工业互联网平台规划与融资,65,北京市海淀区,3,线上\n").encode()
    report = run_import(session, "mentors", again, "mentors.csv")
    assert (report.inserted, report.updated) == (0, 1)
    mentor = session.scalar(select(Mentor))
    assert (mentor.sessions_per_month, mentor.region_codes, mentor.mode) == (3, ["110108"], "online")


def _page():
    from qianfan.paging import PageRequest

    return PageRequest(1, 20, "-updated_at")


def test_a_large_firm_has_no_mentoring_sessions_to_see(session, factory, market):
    sessions.request_session(session, market["firm_user"], market["fits"].id, "融资路演", "")
    session.flush()
    assert session.scalar(select(MentorSession.company_id)) == market["firm"].id
    with pytest.raises(Forbidden):
        sessions.sessions_page(session, factory.user("large_firm"), _page())
    with pytest.raises(NotFound):
        sessions.visible(session, factory.user("large_firm"), session.scalar(select(MentorSession.id)))


def test_a_full_rematch_ranks_the_mentor_side_only_when_something_it_reads_changed(db, session, market):
    from qianfan import matching as core

    assert core.rematch_all(db, settings=SETTINGS, now=NOW)["mentor"]["firms"] == 2
    assert core.rematch_all(db, settings=SETTINGS, now=NOW)["mentor"] == {"unchanged": 1}
    session.expire_all()
    market["firm"].description = "餐饮门店运营"
    session.commit()
    assert core.rematch_all(db, settings=SETTINGS, now=NOW)["mentor"]["firms"] == 2
