"""Orders, listings, service packages and service demands: list, create, read, edit, submit, withdraw,
close; and an order's ranked candidates. The same use cases as the pages (qianfan.postings,
qianfan.recommendations), for the same roles: the firm that posts a kind, and staff to read one.

JSON values are handed to the service as the form would hand them (lists joined, dates as text), so
the service's checks and messages are the pages' own. An edit is a PATCH: the fields sent replace those
of the posting, the others stay; it needs the ETag read as If-Match (webapp.api.etags).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint

from qianfan import postings, recommendations
from webapp.api import etags, schemas
from webapp.api.auth import authenticate, require_role
from webapp.api.common import body, page_request_from, with_errors
from webapp.database import commit, get_session
from webapp.firm_jobs import DeferredRematch


@dataclass(frozen=True)
class Kind:
    name: str  # as qianfan.postings names it
    path: str
    role: str
    schema_in: type
    schema_out: type
    title: str


KINDS = (
    Kind("order", "/orders", "large_firm", schemas.OrderIn, schemas.OrderOut, "Orders (订单需求) of large firms"),
    Kind("listing", "/listings", "small_firm", schemas.ListingIn, schemas.ListingOut,
         "Supply listings (供给) of small firms"),
    Kind("package", "/service-packages", "service_org", schemas.PackageIn, schemas.PackageOut,
         "Service packages (服务包) of incubators and service organisations"),
    Kind("demand", "/service-demands", "small_firm", schemas.DemandIn, schemas.DemandOut,
         "Service demands (服务需求) of small firms"),
)  # fmt: skip
LIST_FIELDS = ("required_qualifications", "regions", "tags", "eligible_regions", "eligible_industries")


def form_values(kind: str, data: dict, current: dict | None = None) -> dict:
    """The JSON fields as the form's text, over `current` (the posting's own values for an edit)."""
    values = dict(current or {})
    for name, value in data.items():
        if name in LIST_FIELDS:
            value = "\n".join(value or [])
        elif name == "eligible_sizes":
            value = list(value or [])
        elif isinstance(value, bool):
            pass
        elif value is None:
            value = ""
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        else:
            value = str(value)
        values[name] = value
    return values


def _list_args(kind: str):
    class ListArgs(schemas.PageArgs):
        sort = schemas.sort_field(postings.SORTS[kind], "-updated_at")
        status = schemas.fields.String(validate=schemas.validate.OneOf(schemas.POSTING_STATUSES))

    ListArgs.__name__ = f"{kind.title()}ListArgs"
    return ListArgs


def _page_schema(kind: Kind):
    return type(f"{kind.name.title()}Page", (schemas.Schema,), {
        "items": schemas.fields.List(schemas.fields.Nested(kind.schema_out), required=True),
        "paging": schemas.fields.Nested(schemas.PageInfo, required=True),
    })  # fmt: skip


def _created(kind: Kind, posting, blueprint_name: str):
    headers = {**etags.headers(posting), "Location": url_for(f"{blueprint_name}.show", posting_id=posting.id)}
    return posting, 201, headers


def make_blueprint(kind: Kind) -> Blueprint:
    name = f"api_{kind.name}s"
    bp = Blueprint(name, __name__, url_prefix=kind.path, description=kind.title)
    bp.before_request(authenticate)
    page_schema = _page_schema(kind)
    patch_schema = kind.schema_in(partial=True)

    @bp.route("", methods=["GET"], endpoint="list")
    @bp.arguments(_list_args(kind.name), location="query", as_kwargs=True)
    @bp.response(200, page_schema)
    @with_errors(bp, 403, 422)
    def list_view(status=None, **paging):
        """List your own, one page at a time."""
        require_role(kind.role)
        page = postings.list_postings(get_session(), current_user, kind.name, page_request_from(paging),
                                      status=status)  # fmt: skip
        return {"items": page.items, "paging": schemas.page_info(page)}

    @bp.route("", methods=["POST"], endpoint="create")
    @bp.arguments(kind.schema_in)
    @bp.response(201, kind.schema_out, headers=etags.ETAG_HEADER)
    @with_errors(bp, 403, 422)
    def create(data):
        """Create one as a draft; submit it for screening when it is ready."""
        require_role(kind.role)
        rematch = DeferredRematch()
        posting = postings.save_posting(get_session(), current_user, kind.name, form_values(kind.name, data),
                                        rematch=rematch)  # fmt: skip
        commit()
        rematch.start()
        return _created(kind, posting, name)

    @bp.route("/<int:posting_id>", methods=["GET"], endpoint="show")
    @bp.response(200, kind.schema_out, headers=etags.ETAG_HEADER)
    @with_errors(bp, 403, 404)
    def show(posting_id: int):
        """Read one of yours (staff: any)."""
        require_role(kind.role, "staff", "admin")
        posting = postings.get_posting(get_session(), current_user, kind.name, posting_id)
        return posting, 200, etags.headers(posting)

    @bp.route("/<int:posting_id>", methods=["PATCH"], endpoint="edit")
    @bp.arguments(patch_schema)
    @bp.response(200, kind.schema_out, headers=etags.ETAG_HEADER)
    @bp.doc(parameters=[{**etags.IF_MATCH, "required": True}])
    @with_errors(bp, 403, 404, 409, 412, 422, 428)
    def edit(data, posting_id: int):
        """Change some fields of one of yours; send the ETag you read as If-Match."""
        require_role(kind.role)
        session = get_session()
        posting = postings.get_posting(session, current_user, kind.name, posting_id)
        etags.check(posting, required=True)
        values = form_values(kind.name, data, postings.form_values(kind.name, posting))
        rematch = DeferredRematch()
        posting = postings.save_posting(session, current_user, kind.name, values, posting_id, rematch=rematch)
        commit()
        rematch.start()
        return posting, 200, etags.headers(posting)

    def move(endpoint: str, path: str, summary: str, body_schema, call):
        @bp.response(200, kind.schema_out, headers=etags.ETAG_HEADER)
        @bp.doc(summary=summary, parameters=[etags.IF_MATCH])
        @with_errors(bp, 403, 404, 409, 412, *((422,) if body_schema else ()))
        def view(*args, posting_id: int):
            require_role(kind.role)
            session = get_session()
            etags.check(postings.get_posting(session, current_user, kind.name, posting_id), required=False)
            rematch = DeferredRematch()
            posting = call(session, posting_id, (args[0] if args else {}), rematch)
            commit()
            rematch.start()
            return posting, 200, etags.headers(posting)

        view.__name__ = f"{kind.name}_{endpoint}"
        if body_schema is not None:
            view = body(bp, body_schema)(view)
        bp.route(f"/<int:posting_id>/{path}", methods=["POST"], endpoint=endpoint)(view)

    move("submit", "submit", "Send a draft (or a rejected one, edited) to staff for screening.", None,
         lambda s, pid, _data, _r: postings.submit_posting(s, current_user, kind.name, pid))
    move("withdraw", "withdraw", "Take it back for good, saying why.", schemas.ReasonIn,
         lambda s, pid, data, r: postings.withdraw_posting(s, current_user, kind.name, pid, data["reason"],
                                                            rematch=r))
    move("close", "close", "Close a published one (e.g. an order that found its supplier).",
         schemas.OptionalReasonIn,
         lambda s, pid, data, r: postings.close_posting(s, current_user, kind.name, pid, data.get("reason"),
                                                         rematch=r))  # fmt: skip

    if kind.name == "order":

        @bp.route("/<int:posting_id>/candidates", methods=["GET"], endpoint="candidates")
        @bp.arguments(schemas.RecommendationArgs, location="query", as_kwargs=True)
        @bp.response(200, schemas.RecommendationPage)
        @with_errors(bp, 403, 404, 422)
        def candidates(posting_id: int, **paging):
            """The order's ranked supplier firms, best first, each with why (one entry per firm, its
            other fitting listings under `other_listings`), and the deals under way on it."""
            require_role("large_firm", "staff", "admin")
            _order, page = recommendations.order_candidates(
                get_session(), current_user, posting_id, page_request_from(paging)
            )
            return {"items": [schemas.recommendation(e) for e in page.items], "paging": schemas.page_info(page)}

    return bp


_BLUEPRINTS: list[Blueprint] = []


def blueprints() -> list[Blueprint]:
    if not _BLUEPRINTS:
        _BLUEPRINTS.extend(make_blueprint(kind) for kind in KINDS)
    return _BLUEPRINTS

