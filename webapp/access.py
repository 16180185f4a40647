"""Who may do what: every view states the roles it serves, and firms only touch their own objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from models.user import STAFF_ROLES


def roles_required(*roles: str) -> Callable:
    """Logged in, and holding one of `roles` (staff roles always count as 'staff')."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(*STAFF_ROLES)


def require_own(company_ids: Iterable[int | None]) -> None:
    """403 unless the current user is staff or belongs to one of `company_ids`."""
    if current_user.role in STAFF_ROLES:
        return
    if current_user.company_id is None or current_user.company_id not in set(company_ids):
        abort(403)
