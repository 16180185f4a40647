"""Chinese first: every message a user can see has a zh_CN translation."""

from qianfan.translations import untranslated


def test_every_user_facing_message_has_a_chinese_translation():
    missing = untranslated()
    assert not missing, "run `python -m qianfan.translations` and translate:\n" + "\n".join(missing)
