"""A real server and Debian's chromium for the browser journeys; skipped, with the reason, where either is missing.

The app runs in a werkzeug server thread on a free loopback port over its own SQLite file, so the
journeys exercise the same HTTP, cookies, CSRF tokens and JavaScript a person's browser does.
Playwright drives /usr/bin/chromium (Debian's package); no browser is ever downloaded.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    """A Playwright browser on Debian's chromium, or a skip that says what to install."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser journeys need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser journeys need playwright (pip install -e '.[test]')"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_db(tmp_path):
    """A migrated SQLite database with the reference tables, in a file the server thread can open."""
    from ingest.reference import load_reference
    from qianfan.db import Database
    from qianfan.schema import upgrade

    db = Database(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    upgrade(db)
    with db.session_scope() as session:
        load_reference(session)
    yield db
    db.dispose()


@contextmanager
def _served(live_db, **settings) -> Iterator[str]:
    """The app served on a free loopback port, jobs run in the request that queues them (after its
    commit); yields its base URL."""
    from werkzeug.serving import make_server

    from webapp import create_app

    app = create_app({"DATABASE_URL": live_db.url, "QUEUE_URL": "immediate", **settings})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["qianfan_db"].dispose()


@pytest.fixture
def live_server(live_db) -> Iterator[str]:
    """The app on a free loopback port; yields its base URL."""
    with _served(live_db, STAFF_HOME_COUNTERS_MAX_AGE=0) as base:
        yield base


@pytest.fixture
def mail():
    """A real SMTP server catching the app's e-mail."""
    from tests.mailserver import MailServer

    with MailServer() as server:
        yield server


@pytest.fixture
def mail_server(live_db, mail) -> Iterator[str]:
    """The app on a free loopback port, sending its mail to `mail` right after each commit."""
    with _served(live_db, **mail.settings) as base:
        yield base


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where each main page's screenshot goes (git-ignored); emptied once per run."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS
