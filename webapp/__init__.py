"""The web app: HTTP, pages and JSON over the qianfan services. `create_app` is its one factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, jsonify
from flask_babel import lazy_gettext as _l

from qianfan import localtime
from qianfan.config import instance_dir, load_settings
from webapp import database, errors, i18n, security
from webapp.converters import IdConverter
from webapp.extensions import babel, csrf, login_manager


def create_app(test_config: dict | None = None) -> Flask:
    """Defaults, then the config file, then `test_config`, then QIANFAN_* variables (qianfan.config)."""
    app = Flask(__name__, instance_path=str(instance_dir()))
    # Before any route exists: every <int:id> answers 404 for an id no row can have (webapp.converters).
    app.url_map.converters["int"] = IdConverter
    app.config.update(load_settings(test_config))
    localtime.configure(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    database.init_app(app)
    security.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    i18n.init_app(app, babel)
    errors.init_app(app)
    _register_template_helpers(app)

    from webapp import (
        accounts,  # sign-up, password reset, invitations, the staff's verification of new firms
        auth,
        background,
        deals,
        financing,  # the financing zone: applications, confirmation, lenders
        firm_jobs,
        home,
        market,  # the open market: browse and search, the other side's pages, attachments
        mentors,  # start-up mentors: recommendations, sessions, the staff's register
        names,  # names for the autocomplete of region and industry fields
        notifications,
        orders,
        packages,
        staff,
        staff_mail,
        staff_renames,
        supply,
    )

    background.init_app(app)
    notifications.init_app(app)
    for blueprint in (
        auth.bp,
        home.bp,
        staff.bp,
        staff_renames.bp,
        staff_mail.bp,
        orders.bp,
        supply.bp,
        packages.bp,
        deals.bp,
        firm_jobs.bp,
        notifications.bp,
        names.bp,
        market.bp,
        accounts.bp,
        mentors.bp,
        financing.bp,
    ):
        app.register_blueprint(blueprint)
    from webapp import api  # the JSON API under /api/v1 (OCDS too), its docs, the tokens page

    api.init_app(app)

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    return app


def _register_template_helpers(app: Flask) -> None:
    from webapp import explain, formatting, pagination

    app.jinja_env.filters.update(formatting.FILTERS)
    pagination.init_app(app)
    explain.init_app(app)
    app.context_processor(formatting.template_globals)
