"""Keeps the zh_CN catalogue in step with the code: extract message ids, merge them into the .po file.

Message ids come from gettext calls (`_`, `_l`, `gettext`, `lazy_gettext`, `ngettext`) in Python and templates,
and from the first argument of the domain errors people see (`DomainError("...")` and its kin).
Run `python -m qianfan.translations` after changing any user-facing string, then translate what is new.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "webapp" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
SOURCE_DIRS = ("webapp", "qianfan", "ingest", "matcher", "models")
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "DomainError": None,
    "ValidationError": None,
    "NotFound": None,
    "Forbidden": None,
    "TransitionError": (3,),
    "ImportRowError": None,
}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def extract_ids() -> dict[str, list[tuple[str, int]]]:
    """Every message id in the code, with where it appears."""
    found: dict[str, list[tuple[str, int]]] = {}
    for directory in SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / directory, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, []).append((f"{directory}/{filename}", lineno))
    return found


def load_catalog() -> Catalog:
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def untranslated() -> list[str]:
    """Message ids in the code that the zh_CN catalogue does not translate."""
    catalog = load_catalog() if PO_FILE.exists() else Catalog(locale="zh_CN")
    return sorted(msgid for msgid in extract_ids() if not (catalog.get(msgid) and catalog.get(msgid).string))


def update() -> list[str]:
    """Add new ids to the .po file (keeping existing translations, dropping unused ones); returns the new ids."""
    # The importer's own Chinese (it also serves the CLI) fills its messages here.
    from ingest.problems import ZH as IMPORTER_ZH

    old = load_catalog() if PO_FILE.exists() else Catalog(locale="zh_CN")
    ids = extract_ids()
    catalog = Catalog(locale="zh_CN", project="qianfan", charset="utf-8")
    new = []
    for msgid in sorted(ids):
        existing = old.get(msgid)
        string = (existing.string if existing else "") or IMPORTER_ZH.get(msgid, "")
        if not string:
            new.append(msgid)
        catalog.add(msgid, string, locations=ids[msgid][:3])
    PO_FILE.parent.mkdir(parents=True, exist_ok=True)
    with PO_FILE.open("wb") as handle:
        write_po(handle, catalog, width=120, sort_output=True)
    return new


if __name__ == "__main__":
    missing = update()
    print(f"{PO_FILE.relative_to(ROOT)}: {len(missing)} message(s) to translate")
    for msgid in missing:
        print(f"  {msgid}")
