"""Imports say what they did: no known company is renamed or merged behind staff's back, every company an
import changes has an audit record, and refusals name the file's own columns."""

from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent, Company, CompanyMergeCandidate, CompanyNameChange
from qianfan.importing import run_import
from qianfan.review import renames

CODE = "91110108551385082Q"


def _import(session, text: str, **options):
    report = run_import(session, "companies", text.encode("utf-8"), "firms.csv", **options)
    session.flush()
    return report


def test_a_new_name_for_a_known_credit_code_waits_for_staff(session, factory):
    firm = factory.company("small_firm", name="北京风禾信息技术有限公司", credit_code=CODE, region_code="110108")
    report = _import(session, f"企业名称,统一社会信用代码,所在区域\n北京风禾信息科技有限公司,{CODE},110105\n")
    assert firm.name == "北京风禾信息技术有限公司"  # not renamed
    assert firm.region_code == "110105"  # the rest of the row is the same firm's news
    change = session.scalar(select(CompanyNameChange))
    assert (change.company_id, change.proposed_name, change.status) == (firm.id, "北京风禾信息科技有限公司", "pending")
    assert report.names_to_review == 1 and report.updated == 1
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "import_update", AuditEvent.object_id == firm.id)
    ).one()
    assert audit.detail["changes"] == {"region_code": ["110108", "110105"]} and audit.detail["row"] == 2
    again = _import(session, f"企业名称,统一社会信用代码,所在区域\n北京风禾信息科技有限公司,{CODE},110105\n")
    assert again.names_to_review == 0 and len(session.scalars(select(CompanyNameChange)).all()) == 1


def test_staff_accept_or_decline_a_name_change(session, factory):
    staff = factory.user("staff", username="analyst")
    firm = factory.company("small_firm", name="北京卓数软件有限责任公司", credit_code=CODE)
    _import(session, f"企业名称,统一社会信用代码\n北京卓数信息软件有限责任公司,{CODE}\n")
    change = session.scalar(select(CompanyNameChange))
    renames.accept(session, staff, change.id)
    assert firm.name == "北京卓数信息软件有限责任公司"
    renamed = session.scalars(select(AuditEvent).where(AuditEvent.action == "rename")).one()
    assert renamed.detail["changes"]["name"] == ["北京卓数软件有限责任公司", "北京卓数信息软件有限责任公司"]
    _import(session, f"企业名称,统一社会信用代码\n卓数软件（北京）有限责任公司,{CODE}\n")
    second = session.scalar(select(CompanyNameChange).where(CompanyNameChange.status == "pending"))
    renames.decline(session, staff, second.id)
    assert firm.name == "北京卓数信息软件有限责任公司" and second.status == "declined"


def test_a_name_that_only_resembles_a_known_firm_is_a_possible_duplicate_not_an_update(session, factory):
    known = factory.company("small_firm", name="北京风禾信息技术有限公司", region_code="110108", description="原有描述")
    report = _import(session, "企业名称,所在区域,描述\n北京风禾信息科技有限公司,110105,新的描述\n")
    session.refresh(known)
    assert (known.name, known.region_code, known.description) == ("北京风禾信息技术有限公司", "110108", "原有描述")
    imported = session.scalar(select(Company).where(Company.name == "北京风禾信息科技有限公司"))
    pair = session.scalar(select(CompanyMergeCandidate))
    assert (pair.company_id, pair.candidate_id) == (imported.id, known.id)
    assert report.inserted == 1 and report.review_queued == 1 and report.updated == 0
    assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "import_update")).all()


def test_the_same_name_updates_the_firm_and_audits_each_change(session, factory):
    known = factory.company("small_firm", name="北京千帆示例科技有限公司", region_code="110108")
    _import(session, "企业名称,所在区域,资质\n北京千帆示例科技有限公司,110105,ISO 9001\n")
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "import_update")).one()
    assert audit.object_id == known.id and audit.detail["changes"]["region_code"] == ["110108", "110105"]
    assert audit.detail["changes"]["qualifications"] == [[], ["ISO 9001"]]


def test_refused_rows_name_the_column_as_the_file_writes_it(session, factory):
    text = "供应企业,供给名称,服务区域,最大承接金额\n北京千帆示例科技有限公司,水务监测,火星省,很多钱\n"
    report = run_import(session, "listings", text.encode("utf-8"), "供给.csv", skip_invalid=True)
    problems = {p.column: p.value for row in report.rejected for p in row.problems}
    assert problems == {"服务区域": "火星省", "最大承接金额": "很多钱"}
