"""Settings: defaults, then a config file, then explicit overrides, then QIANFAN_* environment variables.

The same loader serves the web app, the CLI and the scheduler, so a setting means the same everywhere.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "QIANFAN_"


# The source checkout this package runs from, when it runs from one (`pip install -e .`, `make demo`).
CHECKOUT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    """Where the embedded database, the job queue file, the generated secret and compiled catalogues live.

    QIANFAN_INSTANCE_DIR when set; else `instance/` of the source checkout the package runs from (whatever
    the current directory: running `qianfan` elsewhere never creates ./instance there); else, for an
    installed package, the user's data folder ($XDG_DATA_HOME/qianfan, by default ~/.local/share/qianfan).
    Nothing is created here: the first command that writes creates it.
    """
    chosen = os.environ.get("QIANFAN_INSTANCE_DIR")
    if chosen:
        return Path(chosen).expanduser().resolve()
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "qianfan" / "__init__.py").is_file():
        return CHECKOUT / "instance"
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return (Path(data_home) / "qianfan").resolve()


DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,  # None: generated once into the instance folder
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,  # uploads; the importer has its own finer limits
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "LANGUAGES": ["zh_CN", "en"],
    # Times are stored in UTC and shown, typed and exported in this IANA zone (qianfan.localtime).
    "TIMEZONE": "Asia/Shanghai",
    "SCHEDULER_ENABLED": False,
    # `qianfan worker` lowers its CPU priority by this much (0-19): on a machine it shares with the web
    # processes, pages are served first and jobs take the CPU that is left (docs/notes-jobs.md).
    "WORKER_NICE": 10,
    # The staff home's programme counters (two dozen counts) are computed at most this often per server
    # process; /staff/counters and the dashboard always count now. 0: on every view.
    "STAFF_HOME_COUNTERS_MAX_AGE": 30,
    "MATCH_TOP_K": 50,
    "MATCH_SCORE_FLOOR": 0.05,
    # Matching (qianfan.matching, docs/notes-matcher.md): packages kept per service demand, near misses
    # kept per query, factor weights over the matcher's defaults, rules switched off by id ({"region": False}).
    "MATCH_SERVICE_TOP_K": 10,
    "MENTOR_TOP_K": 10,  # mentors kept per small firm (qianfan.mentors.matching)
    "MENTOR_REVERSE_TOP_K": 20,  # small firms kept per mentor
    "MENTOR_RETRIEVAL_DEPTH": 100,  # mentors scored per firm: the most similar by text
    "MENTOR_REVERSE_DEPTH": 100,  # small firms scored per mentor: the most similar by text
    "MATCH_NEAR_MISSES": 5,
    "MATCH_ORDER_WEIGHTS": {},
    "MATCH_SERVICE_WEIGHTS": {},
    "MATCH_ORDER_RULES": {},
    "MATCH_SERVICE_RULES": {},
    "MATCH_SCHEDULE_MINUTES": 60,  # the scheduled rematch of what changed (qianfan.jobs)
    # The first stage (matcher.engine): each order's most similar listings by text, each listing's most
    # similar orders, above a text similarity floor; every pair in either list is then scored.
    "MATCH_RETRIEVAL_DEPTH": 500,  # listings considered per order (1,000 before the learned ranker)
    # The second stage (matcher.ranker, docs/notes-ranker.md): the order side's model file ("": the model
    # shipped in matcher/data, "linear": the weighted sum of factors), the service side's ("": the
    # weighted sum, weights set by hand), and the text gate: pairs whose TF-IDF text similarity is below
    # it are never recommended, however well they fit otherwise.
    "MATCH_ORDER_MODEL": "",
    "MATCH_SERVICE_MODEL": "",
    "MATCH_TEXT_GATE": 0.02,
    "MATCH_SERVICE_RETRIEVAL_DEPTH": 50,  # packages considered per service demand (5× those kept)
    "MATCH_REVERSE_DEPTH": 20,  # orders considered per listing, demands per package (30 before the ranker)
    "MATCH_TEXT_FLOOR": 0.0,
    "MATCH_REVERSE_TOP_K": 20,  # orders kept per listing (a small firm's 推荐订单 come from these)
    "MATCH_SERVICE_REVERSE_TOP_K": 50,  # demands kept per service package
    "MATCH_PER_FIRM": 5,  # a firm's listings shown under its best one in an order's candidates
    "MATCH_LOCK_WAIT_SECONDS": 30,
    "MATCH_PROCESSES": 2,  # a full rematch ranks the two sides in two processes (1: one after the other)
    "MATCH_PARALLEL_FROM": 20_000,  # published postings below which a second process costs more than it saves  # how long a rematch waits for another one of the same side
    "PAGE_SIZE": 20,
    # Open data (qianfan.opendata, docs/notes-opendata.md): the ocid prefix (it looks registered but is
    # not: ask the Open Contracting Partnership for one before publishing), the publisher's name, the
    # licence URL put in each package (none until the programme chooses one), and the `uri` of exported
    # packages (None: the exported file's own URI).
    "OCDS_PREFIX": "ocds-qianfan",
    "OCDS_PUBLISHER_NAME": "千帆 Qianfan",
    "OCDS_LICENSE": None,
    "OCDS_PACKAGE_URI": None,
    # Files attached to orders, listings and contracts (qianfan.market.attachments): where they are stored
    # (None: attachments/ in the instance folder) and the largest one accepted.
    "ATTACHMENT_DIR": None,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    # E-mail (qianfan.mail): the outbox is sent through this SMTP server ("" : mail waits in the outbox).
    "MAIL_SMTP_HOST": "",
    "MAIL_SMTP_PORT": 25,
    "MAIL_SMTP_USER": "",
    "MAIL_SMTP_PASSWORD": "",
    "MAIL_SMTP_SECURITY": "",  # "", "starttls" or "ssl"
    "MAIL_SMTP_TIMEOUT": 10,
    "MAIL_FROM": "千帆 <qianfan@localhost>",
    "MAIL_MAX_ATTEMPTS": 30,  # tries, 1, 2, 4 ... 60 minutes apart, before a mail is marked failed
    "MAIL_SEND_AFTER_COMMIT": True,  # queue the sender after each commit that wrote mail (else: every minute)
    # Accounts (qianfan.signup): how long an e-mailed password reset link and an invitation work.
    "PASSWORD_RESET_HOURS": 2,
    "INVITATION_DAYS": 7,
    # The financing zone (qianfan.financing): the most financed on one contract, in yuan (the seed's 3000万元).
    "FINANCING_MAX_PER_CONTRACT": 30_000_000,
    "DASHBOARD_CACHE_SECONDS": 30,  # the staff dashboard is recomputed at most this often (0: every time)
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Importer limits (qianfan.importing): a file over any of them is refused with a message saying which.
    "IMPORT_MAX_BYTES": 20 * 1024 * 1024,  # the file as uploaded
    "IMPORT_MAX_ROWS": 100_000,  # data rows in one file
    "IMPORT_MAX_CELL_CHARS": 20_000,  # characters in one cell
    "IMPORT_MAX_UNZIPPED_BYTES": 200 * 1024 * 1024,  # an XLSX archive's declared content, all parts together
    "IMPORT_MAX_ZIP_RATIO": 200,  # uncompressed/compressed for any XLSX part above 1 MiB (zip bombs)
    # Security (docs/notes-security.md). Login throttle: failed logins allowed per window, per account
    # (username as typed, known or not) and per client address; more are refused with 429 until the
    # oldest failures leave the window, even with the right password.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 10,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    # Sessions end after this long without a request (seconds), and at logout or password change.
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    # Secure cookie flag: "auto" = on, except for plain HTTP to a loopback host with no proxy header
    # (`make demo` on http://127.0.0.1); true or false forces it (webapp.security).
    "COOKIE_SECURE": "auto",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_DURATION": 12 * 3600,
    # The JSON API (webapp.api, docs/notes-api.md): requests allowed per token and window; counted in the
    # Redis named by API_RATE_LIMIT_URL (redis://...) when set, else in each server process's memory.
    "API_RATE_LIMIT": 120,
    "API_RATE_WINDOW_SECONDS": 60,
    "API_RATE_LIMIT_URL": "",
    # Reverse proxies in front that set X-Forwarded-For/-Proto/-Host (0: served directly).
    "TRUSTED_PROXIES": 0,
    "CONTENT_SECURITY_POLICY": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _load_file(path: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), namespace)  # noqa: S102
    return {k: v for k, v in namespace.items() if k.isupper()}


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The effective settings; QIANFAN_CONFIG names an optional Python config file."""
    settings = dict(DEFAULTS)
    config_file = os.environ.get(ENV_PREFIX + "CONFIG")
    if config_file:
        settings.update(_load_file(config_file))
    settings.update(overrides or {})
    for key, raw in os.environ.items():
        if key.startswith(ENV_PREFIX) and key not in (ENV_PREFIX + "CONFIG", ENV_PREFIX + "INSTANCE_DIR"):
            settings[key.removeprefix(ENV_PREFIX)] = _parse_env_value(raw)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_dir() / 'qianfan.sqlite3'}"
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _instance_secret()
    return settings


def _instance_secret() -> str:
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()
