"""Accounts like a real service: a firm signs up with its credit code, waits for staff, is verified and
posts; a forgotten password is reset by an e-mailed link that expires; the company's admin invites a
colleague. Every e-mail is caught by a real SMTP server started by the test."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ingest.credit_code import check_character
from models import AccountToken, Company, OutboxMail, User
from models.base import utcnow
from tests.mailserver import MailServer
from tests.webclient import WebClient

CODE = "91110108MA01A2B3C" + check_character("91110108MA01A2B3C")
LINK = re.compile(r"http://localhost(/\S+)")


@pytest.fixture
def mail():
    with MailServer() as server:
        yield server


@pytest.fixture
def app(db, mail):
    from webapp import create_app

    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "MAIL_FROM": "千帆 <noreply@qianfan.test>",
                      **mail.settings})  # fmt: skip
    app.test_client_class = WebClient
    yield app
    app.extensions["qianfan_db"].dispose()


def _client(app) -> WebClient:
    return app.test_client()


def _signup(client, **changes):
    form = {"kind": "small_firm", "company_name": "北京星河智能科技有限公司", "credit_code": CODE,
            "display_name": "王芳", "email": "wang@xinghe.cn", "username": "wangfang",
            "password": "Xinghe-2026-ok", "confirm": "Xinghe-2026-ok", **changes}  # fmt: skip
    return client.submit("/signup", form)


def _link(message) -> str:
    return LINK.search(message.get_content()).group(1)


def test_a_firm_signs_up_waits_for_staff_and_posts_once_verified(app, session, factory, mail):
    client = _client(app)
    assert _signup(client).status_code == 302
    company = session.scalar(select(Company).where(Company.credit_code == CODE))
    assert (company.name, company.kind, company.verification) == ("北京星河智能科技有限公司", "small_firm", "pending")
    user = session.scalar(select(User).where(User.username == "wangfang"))
    assert user.company_admin and user.email == "wang@xinghe.cn"
    [welcome] = mail.to("wang@xinghe.cn")
    assert "wangfang" in welcome.get_content()

    # Logged in, it drafts a listing, but sending it for publication waits for the staff.
    assert "王芳" in client.login("wangfang", "Xinghe-2026-ok").get_data(as_text=True)
    listing = factory.listing(supplier=company, title="巡检机器人")
    session.commit()
    refused = client.submit(f"/supply/listings/{listing.id}/submit", follow_redirects=True)
    assert "等待项目工作人员审核" in refused.get_data(as_text=True)
    session.expire_all()
    assert listing.status == "draft"

    staff = _client(app)
    factory.user("staff", username="staff1")
    session.commit()
    staff.login("staff1")
    page = staff.get("/staff/firms").get_data(as_text=True)
    assert "北京星河智能科技有限公司" in page and CODE in page and "wang@xinghe.cn" in page
    assert staff.submit(f"/staff/firms/{company.id}/verify").status_code == 302
    session.expire_all()
    assert company.verification == "verified"
    assert "没有等待审核的新企业" in staff.get("/staff/firms").get_data(as_text=True)
    told = mail.to("wang@xinghe.cn")[-1]
    assert "北京星河智能科技有限公司" in told["Subject"] and "审核" in told["Subject"]

    assert client.submit(f"/supply/listings/{listing.id}/submit").status_code == 302
    session.expire_all()
    assert listing.status == "submitted"


def test_staff_reject_a_firm_with_a_reason_its_admin_reads(app, session, factory, mail):
    _signup(_client(app))
    company = session.scalar(select(Company).where(Company.credit_code == CODE))
    factory.user("staff", username="staff1")
    session.commit()
    staff = _client(app)
    staff.login("staff1")
    no_reason = staff.submit(f"/staff/firms/{company.id}/reject", {"note": ""}, follow_redirects=True)
    assert "请说明拒绝的理由" in no_reason.get_data(as_text=True)
    staff.submit(f"/staff/firms/{company.id}/reject", {"note": "信用代码与企业名称不符"})
    session.expire_all()
    assert (company.verification, company.verification_note) == ("rejected", "信用代码与企业名称不符")
    assert "信用代码与企业名称不符" in mail.to("wang@xinghe.cn")[-1].get_content()
    firm = _client(app)
    firm.login("wangfang", "Xinghe-2026-ok")
    assert "信用代码与企业名称不符" in firm.get("/company/users").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"credit_code": CODE[:17] + ("0" if CODE[17] != "0" else "1")}, "校验位"),
        ({"credit_code": "12345"}, "18"),
        ({"credit_code": ""}, "统一社会信用代码"),
        ({"email": "not-an-address"}, "not-an-address"),
        ({"company_name": ""}, "企业名称"),
        ({"confirm": "something-else-1"}, "两次输入的密码不一致"),
        ({"password": "123456", "confirm": "123456"}, "密码"),
    ],
)
def test_a_bad_signup_says_which_field_and_why_and_creates_nothing(app, session, changes, field_message):
    response = _signup(_client(app), **changes)
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert session.scalar(select(Company).where(Company.name == "北京星河智能科技有限公司")) is None


def test_a_known_credit_code_or_email_is_refused(app, session, factory):
    factory.company("small_firm", credit_code=CODE, name="已有企业")
    factory.user("small_firm", username="someone", email="wang@xinghe.cn")
    session.commit()
    page = _signup(_client(app)).get_data(as_text=True)
    assert "已注册" in page and "wang@xinghe.cn" in page


def test_a_password_is_reset_by_an_emailed_link_that_works_once(app, session, factory, mail):
    factory.user("small_firm", username="li", email="li@example.cn")
    session.commit()
    client = _client(app)
    answer = client.submit("/password/forgot", {"email": "LI@example.cn"}, follow_redirects=True)
    assert "重置密码的链接" in answer.get_data(as_text=True)
    # An unknown address gets the same answer and no mail.
    other = client.submit("/password/forgot", {"email": "nobody@example.cn"}, follow_redirects=True)
    assert "重置密码的链接" in other.get_data(as_text=True)
    [message] = mail.messages
    assert message["To"] == "li@example.cn" and "重置" in message["Subject"]
    link = _link(message)
    assert client.get(link).status_code == 200
    weak = client.submit(link, {"password": "li", "confirm": "li"})
    assert weak.status_code == 422
    assert client.submit(link, {"password": "New-secret-2026", "confirm": "New-secret-2026"}).status_code == 302
    assert _client(app).login("li", "secret-pass-1").request.path == "/login"
    assert _client(app).login("li", "New-secret-2026").request.path != "/login"
    used = client.get(link)
    assert used.status_code == 410 and "已被使用" in used.get_data(as_text=True)


def test_a_reset_link_expires(app, session, factory, mail):
    factory.user("small_firm", username="li", email="li@example.cn")
    session.commit()
    client = _client(app)
    client.submit("/password/forgot", {"email": "li@example.cn"})
    link = _link(mail.messages[0])
    for token in session.scalars(select(AccountToken)):
        token.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    expired = client.submit(link, {"password": "New-secret-2026", "confirm": "New-secret-2026"})
    assert expired.status_code == 410 and "已过期" in expired.get_data(as_text=True)
    assert _client(app).login("li", "secret-pass-1").request.path != "/login"
    assert client.get("/password/reset/made-up-token").status_code == 410


def test_the_company_admin_invites_a_colleague_who_joins_the_company(app, session, factory, mail):
    admin = factory.user("large_firm", username="boss", company_admin=True, email="boss@big.cn", display_name="赵总")
    plain = factory.user("large_firm", username="clerk", company=admin.company)
    session.commit()
    boss = _client(app)
    boss.login("boss")
    assert boss.submit("/company/users/invite", {"display_name": "钱工", "email": "qian@big.cn"}).status_code == 302
    [invitation] = mail.to("qian@big.cn")
    assert "赵总" in invitation["Subject"] and admin.company.name in invitation["Subject"]
    assert "钱工" in boss.get("/company/users").get_data(as_text=True)
    # A colleague who is not the admin sees the list but cannot invite.
    clerk = _client(app)
    clerk.login("clerk")
    assert "邀请同事" not in clerk.get("/company/users").get_data(as_text=True)
    assert clerk.submit("/company/users/invite", {"display_name": "x", "email": "x@big.cn"}).status_code == 403

    newcomer = _client(app)
    link = _link(invitation)
    assert admin.company.name in newcomer.get(link).get_data(as_text=True)
    assert newcomer.submit(link, {"username": "qian", "password": "Qian-pass-2026", "confirm": "Qian-pass-2026"}).status_code == 302
    joined = session.scalar(select(User).where(User.username == "qian"))
    assert (joined.company_id, joined.role, joined.email, joined.display_name, joined.company_admin) == (
        admin.company_id, "large_firm", "qian@big.cn", "钱工", False
    )
    assert plain.company_id == joined.company_id
    assert newcomer.get(link).status_code == 410  # once


def test_an_invitation_to_a_taken_address_is_refused_naming_it(app, session, factory):
    admin = factory.user("small_firm", username="boss", company_admin=True)
    factory.user("small_firm", username="other", email="taken@x.cn")
    session.commit()
    boss = _client(app)
    boss.login("boss")
    response = boss.submit("/company/users/invite", {"display_name": "某人", "email": "taken@x.cn"})
    assert response.status_code == 422 and "taken@x.cn" in response.get_data(as_text=True)
    assert admin.company_id


def test_staff_see_mail_that_was_given_up_and_send_it_again(app, session, factory, mail, db):
    from qianfan.mail import queue_mail
    from qianfan.mail.outbox import send_due
    from tests.mailserver import MailServer

    factory.user("staff", username="staff1")
    app.config["MAIL_SEND_AFTER_COMMIT"] = False  # sent below, by hand, while the server is down
    queue_mail(session, "late@example.cn", "迟到的通知", "正文")
    session.commit()
    app.config["MAIL_SEND_AFTER_COMMIT"] = True
    down = {"MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": MailServer().port, "MAIL_MAX_ATTEMPTS": 1}
    send_due(db, down)  # the server is down on the only try: given up
    staff = _client(app)
    staff.login("staff1")
    page = staff.get("/staff/mail").get_data(as_text=True)
    assert "late@example.cn" in page and "迟到的通知" in page and "Connection refused" in page
    assert "已放弃：1" in page
    mail_id = session.scalars(select(OutboxMail.id)).one()
    assert staff.submit(f"/staff/mail/{mail_id}/retry").status_code == 302
    assert [m["Subject"] for m in mail.to("late@example.cn")] == ["迟到的通知"]
    assert "所有邮件均已发出" in staff.get("/staff/mail").get_data(as_text=True)
