"""Chinese first, English available: the locale is the one chosen in the session or the account, else zh_CN.

Message ids are English; the zh_CN catalogue (`webapp/translations/zh_CN/LC_MESSAGES/messages.po`) is
compiled to a .mo file in the instance folder at start-up, so no binary file is kept in the repository.
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, session
from flask_babel import get_locale
from flask_login import current_user

SOURCE_DIR = Path(__file__).parent / "translations"
LOCALES = {"zh_CN": "中文", "en": "English"}


def compile_catalogues(target: Path) -> Path:
    """Compile every .po under webapp/translations into `target`; returns the directory for Flask-Babel."""
    for po_path in SOURCE_DIR.glob("*/LC_MESSAGES/*.po"):
        # Babel looks catalogues up by the full locale name ("zh_CN" parses to "zh_Hans_CN").
        locale = str(Locale.parse(po_path.parts[-3]))
        mo_path = target / locale / "LC_MESSAGES" / po_path.with_suffix(".mo").name
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
    return target


def select_locale() -> str:
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "zh_CN"


def current_locale() -> str:
    """The active locale as one of LOCALES' keys."""
    return "en" if get_locale().language == "en" else "zh_CN"


def init_app(app: Flask, babel) -> None:
    directory = compile_catalogues(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    babel.init_app(app, locale_selector=select_locale)
