"""The outbox: mail written with the change it tells about, sent through a real SMTP server, retried
while the server is down, never sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import OutboxMail
from models.base import utcnow
from models.errors import ValidationError
from qianfan.mail import queue_mail
from qianfan.mail.outbox import send_due
from tests.mailserver import MailServer

BASE = {"MAIL_FROM": "千帆 <noreply@qianfan.test>", "MAIL_MAX_ATTEMPTS": 3}


@pytest.fixture(autouse=True)
def _send_only_when_told(db):
    """The sender runs when a test calls it, not after each commit (as with MAIL_SEND_AFTER_COMMIT off)."""
    from qianfan import tasks

    tasks.configure({"TESTING": True, "MAIL_SEND_AFTER_COMMIT": False}, db)


def _states(session):
    session.expire_all()
    return [(m.to_address, m.state, m.attempts) for m in session.scalars(select(OutboxMail).order_by(OutboxMail.id))]


def test_a_queued_mail_arrives_with_its_chinese_subject_and_text(db, session):
    queue_mail(session, "buyer@example.cn", "新的意向：智能巡检系统", "您好，\n供应商对您的订单表示了意向。")
    session.commit()
    with MailServer() as server:
        report = send_due(db, {**BASE, **server.settings})
    assert report.sent == 1
    [message] = server.to("buyer@example.cn")
    assert message["Subject"] == "新的意向：智能巡检系统"
    assert "供应商对您的订单表示了意向" in message.get_content()
    assert "noreply@qianfan.test" in message["From"]
    assert _states(session) == [("buyer@example.cn", "sent", 1)]
    # Sent once: a second run finds nothing due.
    with MailServer(server.port) as again:
        assert send_due(db, {**BASE, **again.settings}).sent == 0
        assert again.messages == []


def test_a_rolled_back_change_sends_no_mail(db, session):
    queue_mail(session, "a@example.cn", "subject", "text")
    session.rollback()
    assert _states(session) == []


def test_mail_waits_while_the_server_is_down_and_is_sent_when_it_is_back(db, session):
    queue_mail(session, "one@example.cn", "第一封", "正文一")
    queue_mail(session, "two@example.cn", "第二封", "正文二")
    session.commit()
    server = MailServer()  # not started: nothing listens on its port
    report = send_due(db, {**BASE, **server.settings})
    assert (report.sent, report.retried) == (0, 2)
    assert _states(session) == [("one@example.cn", "queued", 1), ("two@example.cn", "queued", 1)]
    assert session.scalars(select(OutboxMail.last_error)).first()
    with server:
        # Not yet due: the retry waits its minute.
        assert send_due(db, {**BASE, **server.settings}).sent == 0
        report = send_due(db, {**BASE, **server.settings}, now=utcnow() + timedelta(minutes=2))
    assert report.sent == 2
    assert [m["Subject"] for m in server.messages] == ["第一封", "第二封"]
    assert _states(session) == [("one@example.cn", "sent", 2), ("two@example.cn", "sent", 2)]


def test_a_mail_is_given_up_after_the_last_attempt_and_says_why(db, session):
    queue_mail(session, "gone@example.cn", "s", "t")
    session.commit()
    settings = {**BASE, **MailServer().settings}
    now = utcnow()
    for attempt in range(3):
        send_due(db, settings, now=now + timedelta(hours=attempt * 2))
    assert _states(session) == [("gone@example.cn", "failed", 3)]
    assert "Connection refused" in session.scalars(select(OutboxMail.last_error)).one()


def test_without_an_smtp_server_configured_mail_waits(db, session):
    queue_mail(session, "x@example.cn", "s", "t")
    session.commit()
    assert send_due(db, BASE).skipped
    assert _states(session) == [("x@example.cn", "queued", 0)]


@pytest.mark.parametrize("address", ["", "no-at-sign", "a@b.cn, c@d.cn", "a@b.cn\r\nBcc: x@y.cn"])
def test_a_bad_address_is_refused_naming_it(session, address):
    with pytest.raises(ValidationError) as err:
        queue_mail(session, address, "s", "t")
    assert err.value.field == "email"


def test_the_sender_runs_after_the_commit_through_the_queue(db, session):
    from qianfan import tasks

    with MailServer() as server:
        tasks.configure({"TESTING": True, **BASE, **server.settings}, db)
        queue_mail(session, "now@example.cn", "即时", "发送")
        assert server.messages == []  # nothing before the commit
        session.commit()
        assert [m["Subject"] for m in server.messages] == ["即时"]
