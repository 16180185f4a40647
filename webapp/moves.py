"""One move on an object from a page's form (a deal's, a posting's, a financing application's, a
mentoring session's): the same way to run it, commit it and say how it went, for every blueprint."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from models.errors import DomainError, Forbidden, NotFound
from webapp.database import commit, get_session
from webapp.errors import translate


def run_move(do: Callable, done) -> bool:
    """Run `do(session)`; on success commit and flash `done` (a message, or a function of what `do`
    returned). A refused move flashes why and changes nothing; NotFound and Forbidden go on up, so an
    object that is not the user's stays a 404 (or a 403 for the wrong side). Whether the move was made."""
    try:
        result = do(get_session())
    except (NotFound, Forbidden):
        raise
    except DomainError as err:
        flash(translate(err), "error")
        return False
    commit()
    flash(done(result) if callable(done) else done, "success")
    return True
