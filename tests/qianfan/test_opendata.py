"""Open data (OCDS 1.1.5): what is published, what never is, and that it validates with 0 errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from qianfan.opendata import Publisher, parse_since, release_package
from qianfan.opendata.mapping import without_contacts
from qianfan.opendata.validate import SCHEMA_DIR, load_schema, package_errors
from tests.qianfan import opendata_world as w


@pytest.fixture
def world(session, factory):
    return w.build_world(session, factory)


def _everything(session, **kw) -> dict:
    return release_package(session, limit=1000, uri="https://qianfan.example.cn/ocds", **kw)


def _by_id(package) -> dict[str, dict]:
    return {release["id"]: release for release in package["releases"]}


def test_each_step_of_a_public_process_is_one_release_with_its_tag(session, world):
    releases = _by_id(_everything(session))
    signed = f"ocds-qianfan-{world.signed.id}"
    old = f"ocds-qianfan-{world.old.id}"
    pending = f"ocds-qianfan-{world.pending.id}"
    amendment = f"{signed}-tender-amendment-{world.amendment_event_id}"
    contract = f"{signed}-contract-{world.contract_id}"
    assert sorted(releases) == sorted([
        f"{old}-tender", f"{old}-tender-withdrawn",
        f"{signed}-tender", amendment, contract, f"{contract}-completed",
        f"{pending}-tender",
    ])  # fmt: skip
    assert releases[f"{old}-tender-withdrawn"]["tag"] == ["tenderCancellation"]
    assert releases[f"{old}-tender-withdrawn"]["tender"]["status"] == "cancelled"

    tender = releases[f"{signed}-tender"]
    assert tender["tag"] == ["tender"] and tender["tender"]["status"] == "active"
    assert tender["tender"]["value"] == {"amount": 1500000, "currency": "CNY"}
    assert tender["date"].endswith("+08:00") and tender["initiationType"] == "tender"
    assert tender["buyer"]["name"] == "华北能源集团有限公司"
    assert tender["parties"][0]["roles"] == ["buyer"] and tender["parties"][0]["details"] == {"scale": "large"}

    changed = releases[amendment]
    assert changed["tag"] == ["tenderAmendment"]
    [note] = changed["tender"]["amendments"]
    assert note["amendsReleaseID"] == f"{signed}-tender" and note["releaseID"] == amendment
    assert "tender.value" in note["description"]

    award = releases[contract]
    assert award["tag"] == ["award", "contract"]
    assert award["awards"][0]["value"] == {"amount": 1000000, "currency": "CNY"}
    assert award["awards"][0]["suppliers"] == [{"id": award["parties"][1]["id"], "name": "海淀智巡科技有限公司"}]
    supplier = award["parties"][1]
    assert supplier["roles"] == ["supplier"] and supplier["details"] == {"scale": "sme"}
    assert supplier["identifier"] == {"scheme": "CN-SAIC", "id": "91110108551385082Q",
                                      "legalName": "海淀智巡科技有限公司"}  # fmt: skip
    signed_contract = award["contracts"][0]
    assert signed_contract["status"] == "active" and signed_contract["awardID"] == award["awards"][0]["id"]
    assert datetime.fromisoformat(signed_contract["dateSigned"]).utcoffset().total_seconds() == 8 * 3600

    ended = releases[f"{contract}-completed"]
    assert ended["tag"] == ["contractTermination"]
    assert ended["contracts"][0]["status"] == "terminated" and "endDate" in ended["contracts"][0]["period"]


def test_nothing_unpublished_and_no_contact_data_is_ever_published(session, world):
    text = json.dumps(_everything(session), ensure_ascii=False)
    for secret in (w.DRAFT_TITLE, w.REJECTED_TITLE, w.PENDING_TITLE, w.MESSAGE, w.BUYER_PERSON,
                   w.SUPPLIER_PERSON, w.BUYER_EMAIL, w.SUPPLIER_EMAIL, w.PHONE, "王小明", "@"):  # fmt: skip
        assert secret not in text, secret
    assert "contactPoint" not in text
    # The pending contract (one side confirmed) is not public; its order's tender is.
    assert f"ocds-qianfan-{world.pending.id}-contract" not in text
    assert "〔联系方式已隐去〕" in text  # the description's phone and e-mail, scrubbed


def test_phone_numbers_and_e_mails_are_scrubbed_from_free_text():
    assert without_contacts("致电 010-62345678 或 +86 138 1234 5678，或 a.b@c.cn") == (
        "致电 〔联系方式已隐去〕 或 〔联系方式已隐去〕，或 〔联系方式已隐去〕"
    )
    assert without_contacts("联系人：王小明，项目经理 李四。") == "〔联系方式已隐去〕，〔联系方式已隐去〕。"
    assert without_contacts("预算 7460365.00 元，2026-09-30 截止，ISO 9001") == (
        "预算 7460365.00 元，2026-09-30 截止，ISO 9001"
    )


def test_since_keeps_releases_from_that_local_day_on(session, world):
    everything = _by_id(_everything(session))
    recent = _by_id(_everything(session, since=parse_since("2026-02-01")))
    assert f"ocds-qianfan-{world.old.id}-tender" in everything
    assert not any(rid.startswith(f"ocds-qianfan-{world.old.id}-") for rid in recent)
    assert set(recent) < set(everything)
    # The withdrawal was at 2026-01-20 02:00 UTC = 10:00 in Beijing: the 20th, not the 21st.
    assert f"ocds-qianfan-{world.old.id}-tender-withdrawn" in _by_id(
        _everything(session, since=parse_since("2026-01-20"))
    )
    assert f"ocds-qianfan-{world.old.id}-tender-withdrawn" not in _by_id(
        _everything(session, since=parse_since("2026-01-20T10:01"))
    )


def test_pages_follow_each_other_without_gaps_and_say_where_the_next_is(session, world):
    every = [r["id"] for r in _everything(session)["releases"]]
    seen, offset = [], 0
    while True:
        page = release_package(session, offset=offset, limit=3, uri="https://x.example/p",
                               next_uri=lambda o: f"https://x.example/p?offset={o}")  # fmt: skip
        seen += [r["id"] for r in page["releases"]]
        if "links" not in page:
            break
        offset = int(page["links"]["next"].rsplit("=", 1)[1])
    assert seen == every and len(every) == 7
    dates = [datetime.fromisoformat(r["date"]) for r in _everything(session)["releases"]]
    assert dates == sorted(dates)


def test_release_ids_and_ocids_are_stable_across_exports_and_the_prefix_is_a_setting(session, world):
    first = [r["id"] for r in _everything(session)["releases"]]
    assert first == [r["id"] for r in _everything(session)["releases"]]
    other = _everything(session, publisher=Publisher(prefix="ocds-abc123"))
    assert {r["ocid"] for r in other["releases"]} == {
        f"ocds-abc123-{o.id}" for o in (world.old, world.signed, world.pending)
    }


def test_the_package_validates_against_the_shipped_schema_with_0_errors(session, world):
    package = _everything(session)
    assert package_errors(package) == []
    broken = json.loads(json.dumps(package))
    broken["releases"][0]["tender"]["status"] = "open"
    broken["releases"][1]["date"] = "2026-01-10 09:00"
    errors = package_errors(broken)
    assert any("tenderStatus.csv" in e for e in errors) and any("date-time" in e for e in errors)


def test_ocdskit_compiles_one_record_per_process_from_the_releases(session, world):
    from ocdskit.combine import merge

    package = _everything(session)
    [record_package] = merge([package], schema=load_schema("release-schema.json"), return_package=True,
                             uri="https://x.example/r", published_date=package["publishedDate"])  # fmt: skip
    records = {r["ocid"]: r for r in record_package["records"]}
    assert len(records) == 3
    compiled = records[f"ocds-qianfan-{world.signed.id}"]["compiledRelease"]
    assert compiled["tender"]["value"]["amount"] == 1500000
    assert compiled["contracts"][0]["status"] == "terminated"
    assert [a["id"] for a in compiled["tender"]["amendments"]] == [str(world.amendment_event_id)]
    for record in records.values():
        assert package_errors({**package, "releases": [record["compiledRelease"]]}) == []


def test_the_schema_is_shipped_with_its_provenance():
    provenance = (SCHEMA_DIR / "PROVENANCE.txt").read_text(encoding="utf-8")
    assert "open-contracting/standard" in provenance and "1__1__5" in provenance and "Apache" in provenance
    assert load_schema("release-schema.json")["id"].endswith("/1__1__5/release-schema.json")


def test_the_cli_writes_one_valid_package_and_says_what_is_in_it(session, world, runner, db, tmp_path, monkeypatch):
    from qianfan.cli import main

    monkeypatch.setenv("QIANFAN_DATABASE_URL", db.url)
    out = tmp_path / "ocds.json"
    done = runner.invoke(main, ["export", "ocds", str(out)])
    assert done.exit_code == 0, done.output
    assert "tender 3" in done.output and "contractTermination 1" in done.output
    package = json.loads(out.read_text(encoding="utf-8"))
    assert len(package["releases"]) == 7 and package_errors(package) == []
    assert package["uri"] == out.resolve().as_uri()

    done = runner.invoke(main, ["export", "ocds", "--since", "2026-02-01", str(out)])
    assert done.exit_code == 0 and "tender 2" in done.output

    bad = runner.invoke(main, ["export", "ocds", "--since", "2026-02-30", str(out)])
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        "error: --since must be a date such as 2026-11-01 (or 2026-11-01T08:00); got '2026-02-30'."
    ]
    assert len(json.loads(out.read_text(encoding="utf-8"))["releases"]) == 5  # the earlier file stays


def test_parse_since_reads_local_dates_and_times():
    assert parse_since("2026-02-01") == datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
    assert parse_since("2026-02-01T08:00+00:00") == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    assert parse_since("") is None


def test_a_change_recorded_on_a_signed_contract_is_a_contract_amendment(session, world):
    from models import AuditEvent

    # No page renegotiates a contract yet; this is the event such a page is to record (index.py).
    session.add(AuditEvent(action="amend", object_type="contract", object_id=world.contract_id,
                           detail={"fields": ["amount_yuan"]}, reason="王小明 13812345678"))  # fmt: skip
    session.commit()
    package = _everything(session)
    [changed] = [r for r in package["releases"] if r["tag"] == ["contractAmendment"]]
    [note] = changed["contracts"][0]["amendments"]
    contract = f"ocds-qianfan-{world.signed.id}-contract-{world.contract_id}"
    assert note["amendsReleaseID"] == contract and note["description"] == "修改了：contracts.value"
    assert w.PHONE not in json.dumps(package) and package_errors(package) == []


def test_an_order_closed_by_its_signed_contract_is_complete(session, world, factory):
    order = w.published(session, world.buyer, world.staff, {**w.ORDER, "title": "签约即关闭的订单"})
    listing = factory.listing(supplier=world.supplier.company, status="published", title="巡检无人机")
    w.signed_deal(session, order, world.buyer, world.supplier, listing, keeps_open=False)
    session.commit()
    assert order.status == "closed"
    releases = _by_id(_everything(session))
    ended = releases[f"ocds-qianfan-{order.id}-tender-closed"]
    assert ended["tag"] == ["tenderUpdate"] and ended["tender"]["status"] == "complete"
