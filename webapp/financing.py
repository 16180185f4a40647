"""The financing zone's pages (金融服务专区): the firm applies, the buyer confirms, institutions answer.

One list per role (`/financing/`), the applying form per signed contract, the application's page with the
moves open to the viewer, and one POST per move. Each move is checked again by qianfan.financing for the
role, the side and the state: another firm's application is a 404 whatever the move, a refused move comes
back as a message on the page. Staff register institutions and their users (`/staff/financing/...`).
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models.errors import DomainError, Forbidden, NotFound, ValidationError
from qianfan.financing import applications as apps
from qianfan.financing import institutions, lending
from qianfan.financing.pages import application_page
from webapp.access import roles_required, staff_required
from webapp.converters import parse_id
from webapp.database import commit, get_session
from webapp.errors import translate
from webapp.moves import run_move

bp = Blueprint("financing", __name__)

EVERYONE = ("small_firm", "large_firm", "financial_institution", "staff", "admin")
FIRM, BUYER, LENDER = ("small_firm",), ("large_firm",), ("financial_institution",)


@bp.get("/financing/")
@roles_required(*EVERYONE)
def index():
    session = get_session()
    status = request.args.get("status") or None
    contracts = apps.financeable_contracts(session, current_user) if current_user.role == "small_firm" else []
    return render_template("financing/index.html", applications=apps.applications_for(session, current_user, status),
                           contracts=contracts, status=status)  # fmt: skip


def max_per_contract() -> Decimal:
    """The most financed on one contract (the setting FINANCING_MAX_PER_CONTRACT); the API applies it too."""
    return Decimal(str(current_app.config["FINANCING_MAX_PER_CONTRACT"]))


@bp.route("/financing/apply/<int:contract_id>", methods=["GET", "POST"])
@roles_required(*FIRM)
def apply(contract_id: int):
    session = get_session()
    found = {f.contract.id: f for f in apps.financeable_contracts(session, current_user)}
    if contract_id not in found:
        raise NotFound("No signed contract %(id)s of yours as the supplier.", id=contract_id)
    values = {"amount": request.form.get("amount", ""), "note": request.form.get("note", ""),
              "all": request.form.get("all") == "1", "institutions": request.form.getlist("institutions")}  # fmt: skip
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            ids = [parse_id(i) or 0 for i in values["institutions"]]
            application = apps.apply(session, current_user, contract_id, values["amount"], ids,
                                     all_institutions=values["all"], note=values["note"],
                                     max_per_contract=max_per_contract())  # fmt: skip
        except (NotFound, Forbidden):
            raise
        except DomainError as err:
            errors[getattr(err, "field", None) or "form"] = translate(err)
        else:
            commit()
            flash(_("Your application is sent; the buyer is asked to confirm the receivable."), "success")
            return redirect(url_for("financing.show", application_id=application.id))
    return render_template("financing/apply.html", item=found[contract_id], institutions=apps.institutions(session),
                           values=values, errors=errors, cap=max_per_contract()), (422 if errors else 200)  # fmt: skip


@bp.get("/financing/<int:application_id>")
@roles_required(*EVERYONE)
def show(application_id: int):
    return render_template("financing/show.html", page=application_page(get_session(), current_user, application_id))


def _run(do, done: str, application_id: int):
    """One move: success commits and says so; a refused move says why; someone else's is a 404 (or 403)."""
    run_move(do, done)
    return redirect(url_for("financing.show", application_id=application_id))


def _form(name: str) -> str:
    return request.form.get(name, "")


# (endpoint, URL part, roles, service call, message once done)
_MOVES = (
    ("confirm", "confirm", BUYER, lambda s, a: apps.confirm(s, current_user, a),
     lambda: _("The receivable is confirmed; the institutions the firm chose can now see the application.")),
    ("dispute", "dispute", BUYER, lambda s, a: apps.dispute(s, current_user, a, _form("reason")),
     lambda: _("The receivable is disputed; the firm is told why.")),
    ("withdraw", "withdraw", FIRM, lambda s, a: apps.withdraw(s, current_user, a, _form("reason")),
     lambda: _("You withdrew the application.")),
    ("offer", "offer", LENDER,
     lambda s, a: lending.make_offer(s, current_user, a, _form("amount"), _form("rate"), _form("term_days")),
     lambda: _("Your offer is sent to the firm.")),
    ("decline", "decline", LENDER, lambda s, a: lending.decline(s, current_user, a, _form("reason")),
     lambda: _("You declined this application; the firm is told why.")),
    ("ask", "ask", LENDER, lambda s, a: lending.ask(s, current_user, a, _form("question")),
     lambda: _("Your question is sent to the firm.")),
    ("withdraw_offer", "withdraw-offer", LENDER,
     lambda s, a: lending.withdraw_offer(s, current_user, a, _form("reason")),
     lambda: _("You withdrew your offer.")),
    ("paid", "paid", LENDER, lambda s, a: lending.record_paid(s, current_user, a, _form("paid_at")),
     lambda: _("The money is recorded as paid.")),
    ("repaid", "repaid", LENDER, lambda s, a: lending.record_repaid(s, current_user, a, _form("repaid_at")),
     lambda: _("The financing is recorded as repaid.")),
    ("cancel", "cancel", LENDER, lambda s, a: lending.cancel(s, current_user, a, _form("reason")),
     lambda: _("The financing is cancelled; the firm is told why.")),
)  # fmt: skip


def _register_move(endpoint, part, roles, call, message) -> None:
    @roles_required(*roles)
    def view(application_id: int):
        return _run(lambda session: call(session, application_id), message(), application_id)

    view.__name__ = endpoint
    bp.add_url_rule(f"/financing/<int:application_id>/{part}", endpoint, view, methods=["POST"])


for _move in _MOVES:
    _register_move(*_move)


def _offer_move(offer_id: int, call, message: str):
    session = get_session()
    try:
        offer = call(session)
    except (NotFound, Forbidden):
        raise
    except DomainError as err:
        flash(translate(err), "error")
        from models.financing import FinancingOffer

        found = session.get(FinancingOffer, offer_id)
        return redirect(url_for("financing.show", application_id=found.application_id))
    commit()
    flash(message, "success")
    return redirect(url_for("financing.show", application_id=offer.application_id))


@bp.post("/financing/offers/<int:offer_id>/answer")
@roles_required(*FIRM)
def answer(offer_id: int):
    return _offer_move(offer_id, lambda s: apps.answer(s, current_user, offer_id, _form("answer")),
                       _("Your answer is sent to the institution."))  # fmt: skip


@bp.post("/financing/offers/<int:offer_id>/accept")
@roles_required(*FIRM)
def accept(offer_id: int):
    return _offer_move(offer_id, lambda s: apps.accept_offer(s, current_user, offer_id),
                       _("You accepted the offer; the institution records the money when it is paid."))  # fmt: skip


# --- staff: institutions and their users -------------------------------------------------------------


@bp.route("/staff/financing/institutions", methods=["GET", "POST"])
@staff_required
def institution_list():
    session = get_session()
    errors: dict[str, str] = {}
    values = {key: request.form.get(key, "") for key in ("name", "credit_code")}
    if request.method == "POST":
        try:
            company = institutions.create_institution(session, current_user, values["name"], values["credit_code"])
        except ValidationError as err:
            errors[err.field or "form"] = translate(err)
        else:
            commit()
            flash(_("%(name)s is registered; add its users below.", name=company.name), "success")
            return redirect(url_for("financing.institution_list"))
    return render_template("financing/institutions.html", rows=institutions.institution_list(session),
                           errors=errors, values=values, created=None), (422 if errors else 200)  # fmt: skip


@bp.post("/staff/financing/institutions/<int:company_id>/users")
@staff_required
def institution_user(company_id: int):
    session = get_session()
    values = {key: request.form.get(key, "") for key in ("username", "display_name", "email")}
    try:
        created = institutions.create_institution_user(session, current_user, company_id, **values)
    except ValidationError as err:
        if err.field == "company":
            raise NotFound("No financial institution %(id)s.", id=company_id) from None
        return render_template("financing/institutions.html", rows=institutions.institution_list(session),
                               errors={f"user-{company_id}": translate(err)}, values={}, created=None), 422  # fmt: skip
    commit()
    # The first password is shown once, in this answer (never in a cookie or a log).
    return render_template("financing/institutions.html", rows=institutions.institution_list(session), errors={},
                           values={}, created=created)  # fmt: skip
