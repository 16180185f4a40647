"""The staff's mentor register through the web: a bad field is named on the form, a good one is saved and
shown with its industries by name; a mentor's login lands on its own requests."""

from __future__ import annotations

from sqlalchemy import select

from models import Mentor


def test_staff_register_a_mentor_and_a_bad_field_is_named(client, factory, session):
    factory.user("staff", username="staff")
    session.commit()
    client.login("staff")
    form = {"name": "周明", "expertise": "工业互联网平台规划", "industries": "不存在的行业", "regions": "北京市海淀区",
            "sessions_per_month": "2", "mode": "online", "active": "1"}  # fmt: skip
    refused = client.submit("/staff/mentors/new", form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不存在的行业" in page and 'aria-invalid="true"' in page
    assert session.scalar(select(Mentor.id)) is None
    saved = client.submit("/staff/mentors/new", {**form, "industries": "软件和信息技术服务业"}, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "周明" in page and "软件和信息技术服务业" in page and "北京市海淀区" in page
    mentor = session.scalar(select(Mentor))
    assert mentor.industry_codes == ["65"] and mentor.region_codes == ["110108"] and mentor.mode == "online"


def test_a_mentor_logs_in_to_its_requests(client, factory, session):
    from qianfan.mentors import registry, sessions

    staff = factory.user("staff")
    mentor = registry.create_mentor(session, staff, registry.MentorForm(name="周明", expertise="工业互联网平台规划"))
    registry.give_login(session, staff, mentor.id, "zhouming", "secret-pass-1")
    sessions.request_session(session, factory.user("small_firm"), mentor.id, "平台产品规划", "")
    session.commit()
    home = client.login("zhouming").get_data(as_text=True)
    assert "待答复或待进行的辅导" in home and "平台产品规划" in home
    assert "平台产品规划" in client.get("/mentors/sessions/").get_data(as_text=True)
