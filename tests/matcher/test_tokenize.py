"""The text pipeline on small Chinese texts: normalisation, dictionary words, synonyms, codes kept whole."""

from __future__ import annotations

import jieba

from matcher.tokenize import FIELD_BREAK, unpack


def test_traditional_full_width_and_pinyin_artefacts_meet_the_plain_form(tokenizer):
    assert tokenizer("數據中心") == tokenizer("数据中心")
    assert tokenizer("ＰａａＳ平臺") == tokenizer("PaaS平台")
    assert tokenizer("戰(zhàn)略合作") == tokenizer("战略合作")


def test_programme_terms_are_kept_whole(tokenizer):
    tokens = tokenizer("数字政府大数据平台与工业云PaaS平台，建设智慧城市")
    for word in ("数字政府", "工业云", "paas", "智慧城市", "大数据平台"):
        assert word in tokens
    # Search mode also yields the words inside a long one, so "城市" alone still meets "智慧城市".
    assert "城市" in tokens


def test_catalogue_names_come_from_the_reference_tables(tokenizer):
    assert "施工总承包" in tokenizer("建筑工程施工总承包")
    assert "物业管理服务" in tokenizer("小区物业管理服务")


def test_synonyms_meet_as_one_term(tokenizer):
    assert "人工智能" in tokenizer("AI视频识别") and "ai" not in tokenizer("AI视频识别")
    assert "物联网" in tokenizer("IoT水表")
    assert "工程总承包" in tokenizer("EPC项目")


def test_english_words_model_numbers_and_standards_stay_whole(tokenizer):
    tokens = tokenizer("西门子S7-1200控制器，TCP/IP通信，通过ISO 9001认证，CMMI 3级")
    assert {"s7-1200", "tcp/ip", "iso9001", "cmmi3"} <= set(tokens)


def test_stop_words_bare_numbers_and_single_characters_are_dropped(tokenizer):
    tokens = tokenizer("本项目的招标内容包括2025年的道路养护")
    assert "道路" in tokens and "养护" in tokens
    for dropped in ("本项目", "的", "招标", "内容", "包括", "2025", "年"):
        assert dropped not in tokens


def test_the_global_jieba_is_left_alone(tokenizer):
    tokenizer("工业云")
    assert "工业云" not in jieba.lcut("工业云平台")


def test_kept_tokens_round_trip_and_know_when_the_text_changed(tokenizer):
    packed = tokenizer.pack("智慧水务平台", "管网漏损监测")
    assert packed[0].startswith(FIELD_BREAK)
    fields = unpack(packed)
    assert "智慧水务" in fields.title and "漏损" in fields.body
    assert tokenizer.is_current(packed, "智慧水务平台", "管网漏损监测")
    assert not tokenizer.is_current(packed, "智慧水务平台", "管网漏损治理")
    assert not tokenizer.is_current(None, "智慧水务平台", "管网漏损监测")
