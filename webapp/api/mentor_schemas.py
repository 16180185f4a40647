"""Request and response schemas of the mentors' operations (webapp.api.mentors)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from models.mentor import MENTOR_MODES
from webapp.api.schemas import (
    CompanyRef,
    HistoryOut,
    PageArgs,
    PageInfo,
    Strict,
    company,
    industry,
    region,
    sort_field,
    text,
)
from webapp.explain import strength_of

SESSION_STATUSES = ("requested", "accepted", "declined", "withdrawn", "held", "cancelled")


class Named(Schema):
    code = fields.String(required=True)
    zh = fields.String(allow_none=True)
    en = fields.String(allow_none=True)


class MentorOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String(allow_none=True)
    expertise = fields.String(required=True)
    bio = fields.String(allow_none=True)
    industries = fields.List(fields.Nested(Named), required=True)
    regions = fields.List(fields.Nested(Named), required=True, metadata={"description": "Empty: anywhere."})
    sessions_per_month = fields.Integer(required=True, metadata={"description": "0: takes no sessions now."})
    mode = fields.String(required=True, validate=validate.OneOf(MENTOR_MODES))
    active = fields.Boolean(required=True)
    is_composed = fields.Boolean(required=True, metadata={"description": "Made up for the demo (虚构)."})
    updated_at = fields.DateTime(required=True)


def mentor(found) -> dict:
    return {
        "id": found.id, "name": found.name, "title": found.title, "expertise": found.expertise, "bio": found.bio,
        "industries": [industry(c) for c in found.industry_codes or ()],
        "regions": [region(c) for c in found.region_codes or ()],
        "sessions_per_month": found.sessions_per_month, "mode": found.mode, "active": bool(found.active),
        "is_composed": bool(found.is_composed), "updated_at": found.updated_at,
    }  # fmt: skip


class Why(Schema):
    """Why the mentor fits the firm: the score, its parts, the shared terms and the rules passed."""

    rank = fields.Integer(allow_none=True)
    score = fields.Float(required=True)
    strength = fields.Integer(allow_none=True, metadata={"description": (
        "match strength, 0-100: the share of this round's mentor recommendations that scored lower")})  # fmt: skip
    score_parts = fields.Dict(required=True)
    reasons = fields.Dict(required=True)


def why(found) -> dict:
    return {"rank": found.rank or None, "score": float(found.score), "strength": strength_of(found.score, "mentor"),
            "score_parts": {k: float(v) for k, v in (found.score_parts or {}).items()},
            "reasons": found.reasons or {}}  # fmt: skip


class RecommendedMentor(Why):
    mentor = fields.Nested(MentorOut, required=True)
    open_session_id = fields.Integer(allow_none=True,
                                     metadata={"description": "Your firm's open request with this mentor."})  # fmt: skip


class RecommendedList(Schema):
    items = fields.List(fields.Nested(RecommendedMentor), required=True)


class RecommendedArgs(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class FirmFit(Schema):
    company = fields.Nested(CompanyRef, required=True)
    score = fields.Float(required=True)


class MentorDetail(MentorOut):
    why = fields.Nested(Why, allow_none=True, metadata={"description": "Small firms: why the mentor fits you."})
    open_session_id = fields.Integer(allow_none=True)
    fits = fields.List(fields.Nested(FirmFit), required=True,
                       metadata={"description": "The mentor and staff: the small firms it fits best."})  # fmt: skip


class MentorArgs(PageArgs):
    q = text(50, metadata={"description": "A word of the name or the expertise."})
    sort = sort_field(("name", "updated_at"), "name")


class MentorPage(Schema):
    items = fields.List(fields.Nested(MentorOut), required=True)
    paging = fields.Nested(PageInfo, required=True)


class SessionOut(Schema):
    id = fields.Integer(required=True)
    mentor = fields.Nested(CompanyRef, required=True, metadata={"description": "The mentor: id and name."})
    company = fields.Nested(CompanyRef, required=True, metadata={"description": "The small firm that asked."})
    topic = fields.String(required=True)
    message = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(SESSION_STATUSES))
    status_reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "The mentor's note of the session held."})
    score = fields.Float(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    held_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


def session_out(found) -> dict:
    return {
        "id": found.id, "mentor": {"id": found.mentor.id, "name": found.mentor.name},
        "company": company(found.company),
        **{key: getattr(found, key) for key in ("topic", "message", "status", "status_reason", "note", "score",
                                                 "answered_at", "held_at", "created_at", "updated_at")},
    }  # fmt: skip


class SessionDetail(SessionOut):
    actions = fields.List(fields.String(), required=True, metadata={"description": "The moves open to you now."})
    history = fields.List(fields.Nested(HistoryOut), required=True)


class SessionArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(SESSION_STATUSES))
    sort = sort_field(("updated_at", "created_at", "status"), "-updated_at")


class SessionPage(Schema):
    items = fields.List(fields.Nested(SessionOut), required=True)
    paging = fields.Nested(PageInfo, required=True)


class RequestIn(Strict):
    topic = text(200, required=True, metadata={"description": "What the session should be about."})
    message = text(2000)


class NoteIn(Strict):
    note = text(2000, required=True, metadata={"description": "A short note of what the session covered."})


class MentorCounters(Schema):
    mentors = fields.Integer(required=True)
    mentors_active = fields.Integer(required=True)
    mentor_requests = fields.Integer(required=True)
    mentor_sessions_accepted = fields.Integer(required=True)
    mentor_sessions_held = fields.Integer(required=True)
