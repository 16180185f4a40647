"""The financing zone through its pages: each role's view, bad input named by field, and the 404 rule."""

from __future__ import annotations

from sqlalchemy import select

from models import User
from models.financing import FinancingApplication
from tests.webclient import WebClient


def _as(app, username):
    app.test_client_class = WebClient
    client = app.test_client()
    assert client.login(username).status_code == 200
    return client


def test_the_firm_applies_through_the_form_and_bad_input_names_its_field(app, session, fin):
    session.commit()
    firm = _as(app, "supplier")
    listing = firm.get("/financing/").get_data(as_text=True)
    assert "道路智能巡检系统采购合同" in listing and f"/financing/apply/{fin.contract.id}" in listing
    form = f"/financing/apply/{fin.contract.id}"
    bad = firm.submit(form, {"amount": "600万元", "institutions": str(fin.bank1.company_id)})
    assert bad.status_code == 422 and "未付金额" in bad.get_data(as_text=True)
    none_chosen = firm.submit(form, {"amount": "100万元"})
    assert none_chosen.status_code == 422 and "金融机构" in none_chosen.get_data(as_text=True)
    sent = firm.submit(form, {"amount": "100万元", "institutions": str(fin.bank1.company_id)})
    assert sent.status_code == 302
    application = session.scalar(select(FinancingApplication))
    assert sent.location.endswith(f"/financing/{application.id}")
    page = firm.get(sent.location).get_data(as_text=True)
    assert "已申请" in page and "采购方确权后，金融机构才能看到申请" in page


def test_only_the_buyer_confirms_and_only_chosen_lenders_see_it(app, session, fin):
    from qianfan.financing import applications as apps

    application = apps.apply(session, fin.supplier, fin.contract.id, "100万元", [fin.bank1.company_id])
    session.commit()
    url = f"/financing/{application.id}"
    assert _as(app, "bank1").get(url).status_code == 404  # not confirmed yet
    assert _as(app, "supplier").submit(f"{url}/confirm").status_code == 403
    buyer = _as(app, "buyer")
    assert "确权" in buyer.get(url).get_data(as_text=True)
    assert buyer.submit(f"{url}/confirm").status_code == 302
    bank = _as(app, "bank1")
    page = bank.get(url).get_data(as_text=True)
    assert "企业在平台上的记录" in page and "北京星河智能科技有限公司" in page
    for outsider in ("bank2", "bank3"):
        client = _as(app, outsider)
        assert client.get(url).status_code == 404
        assert client.submit(f"{url}/offer", {"amount": "1万元", "rate": "4", "term_days": "30"}).status_code == 404
        assert "道路智能巡检系统采购合同" not in client.get("/financing/").get_data(as_text=True)
    assert bank.submit(f"{url}/offer", {"amount": "90万元", "rate": "4.35", "term_days": "180"}).status_code == 302
    again = {"amount": "90万元", "rate": "4.35", "term_days": "180"}
    refused = bank.submit(f"{url}/offer", again, follow_redirects=True)
    assert refused.status_code == 200 and "贵机构已答复此申请：已报价" in refused.get_data(as_text=True)


def test_staff_register_an_institution_and_its_first_user(app, session, fin, factory):
    factory.user("staff", username="clerk")
    session.commit()
    staff = _as(app, "clerk")
    assert staff.submit("/staff/financing/institutions", {"name": ""}).status_code == 422
    assert staff.submit("/staff/financing/institutions", {"name": "中关村银行"}).status_code == 302
    company_id = session.scalar(select(User.company_id).where(User.username == "bank1"))
    from models import Company

    new = session.scalar(select(Company).where(Company.name == "中关村银行"))
    answer = staff.submit(f"/staff/financing/institutions/{new.id}/users",
                          {"username": "zgc-loans", "display_name": "信贷部", "email": ""})  # fmt: skip
    assert answer.status_code == 200 and "zgc-loans" in answer.get_data(as_text=True)
    created = session.scalar(select(User).where(User.username == "zgc-loans"))
    assert created.role == "financial_institution" and created.company_id == new.id and created.company_admin
    assert company_id != new.id


def test_every_financing_page_speaks_one_language(app, session, fin, factory):
    """Each role's financing pages, with an answered question, an offer and the money paid, in zh and en."""
    from qianfan.financing import applications as apps
    from qianfan.financing import lending
    from tests.webapp.one_language import other_language

    application = apps.apply(session, fin.supplier, fin.contract.id, "100万元", [fin.bank1.company_id, fin.bank2.company_id],
                             note="用于支付项目人员工资")  # fmt: skip
    apps.confirm(session, fin.buyer, application.id)
    asked = lending.ask(session, fin.bank2, application.id, "请提供发票")
    apps.answer(session, fin.supplier, asked.id, "已上传")
    lending.decline(session, fin.bank2, application.id, "额度已满")
    offer = lending.make_offer(session, fin.bank1, application.id, "90万元", "4.35", "180")
    apps.accept_offer(session, fin.supplier, offer.id)
    lending.record_paid(session, fin.bank1, application.id)
    factory.user("staff", username="clerk")
    session.commit()
    pages = {"supplier": ["/financing/", f"/financing/{application.id}", f"/financing/apply/{fin.contract.id}"],
             "buyer": ["/financing/", f"/financing/{application.id}"],
             "bank1": ["/financing/", f"/financing/{application.id}", "/notifications/"],
             "clerk": ["/financing/", f"/financing/{application.id}", "/staff/financing/institutions",
                       "/staff/dashboard"]}  # fmt: skip
    found = {}
    for language in ("zh_CN", "en"):
        for username, urls in pages.items():
            client = _as(app, username)
            client.submit(f"/language/{language}", {"next": "/"})
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, (username, url)
                slips = other_language(response.get_data(as_text=True), "en" if language == "en" else "zh")
                if slips:
                    found[f"{language} {username} {url}"] = slips
    assert not found, found
