"""Qualifications as notices write them: split, numbered, graded, and compared."""

from __future__ import annotations

from matcher.qualifications import covers, from_record, missing, parse


def test_one_certificate_with_grade_and_number():
    [q] = parse("水利水电工程施工总承包贰级 D242040204")
    assert (q.name, q.key, q.grade) == ("水利水电工程施工总承包", "施工总承包:水利水电", 2)
    assert q.label == "水利水电工程施工总承包二级"


def test_spellings_of_one_certificate_meet_on_one_key():
    keys = {
        parse(t)[0].key
        for t in (
            "工程监理市政公用工程专业甲级E142004367",
            "市政公用工程专业监理甲级:E142004043-4/1",
        )
    }
    assert keys == {"监理:市政公用"}
    assert (
        parse("建筑行业(建筑工程)甲级,A142006151")[0].key
        == parse("工程设计建筑行业建筑工程")[0].key
    )


def test_a_list_of_certificates_with_labels_and_joint_bidders():
    text = (
        "施工资质:建筑工程施工总承包贰级,公路工程施工总承包贰级D242038860;联合体:工程勘察资质证书:"
        "工程勘察专业类岩土工程(勘察)乙级B242026228;承装二级、承修二级"
    )
    names = [q.name for q in parse(text)]
    assert names == [
        "建筑工程施工总承包",
        "公路工程施工总承包",
        "工程勘察专业类岩土工程勘察",
        "承装",
        "承修",
    ]


def test_a_name_with_a_list_inside_stays_one_certificate():
    assert [q.name for q in parse("工程勘察专业类岩土工程勘察、设计")] == [
        "工程勘察专业类岩土工程勘察、设计"
    ]


def test_higher_grade_covers_lower_but_not_the_reverse():
    first, second = parse("建筑工程施工总承包一级")[0], parse("建筑工程施工总承包二级")[0]
    assert covers(first, second) and not covers(second, first)
    assert covers(parse("建筑工程施工总承包特级")[0], first)


def test_broader_certificates_cover_narrower_ones():
    assert covers(parse("工程勘察综合甲级")[0], parse("工程勘察专业类岩土工程乙级")[0])
    assert covers(parse("工程设计市政行业甲级")[0], parse("工程设计市政行业排水工程专业乙级")[0])
    assert not covers(parse("工程监理市政公用工程专业甲级")[0], parse("建筑工程施工总承包二级")[0])


def test_certificates_outside_construction_and_what_is_missing():
    iso = parse("ISO 9001")[0]
    assert covers(parse("ISO9001质量管理体系认证")[0], iso)
    held = parse("高新技术企业;ISO9001质量管理体系认证")
    lacking = missing(held, parse("ISO 9001;CMMI 3"))
    assert [q.label for q in lacking] == ["cmmi3"]


def test_text_that_names_no_certificate_gives_none():
    assert parse("统一社会信用代码:91420503MADPNC5C1P") == []
    assert parse("") == []


def test_a_held_certificate_meets_a_requirement_however_it_is_spaced():
    assert missing([from_record("ISO 9001", None)], parse("ISO9001")) == []
    assert missing([from_record("ISO9001", None)], parse("ISO 9001")) == []


def test_certificates_written_as_xx_zizhi_are_read_and_labels_and_pointers_are_not():
    for text, key in (("信息安全服务资质", ":信息安全服务"), ("涉密信息系统集成资质", ":涉密信息系统集成"),
                      ("ITSS运维资质", ":itss运维"), ("测绘资质乙级", ":测绘")):  # fmt: skip
        (found,) = parse(text)
        assert found.key == key and found.label.endswith(("资质", "资质二级"))
    assert [q.key for q in parse("施工资质:建筑工程施工总承包特级")] == ["施工总承包:建筑"]
    assert parse("详见招标文件") == [] and parse("具备相应资质") == []
