"""Each view says what it needs (`@needs(Permission.…)`); a person without it gets a plain 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, g, render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from hotline.permissions import Permission, allows
from hotline.web.dashboard.blueprint import bp

P = ParamSpec("P")
R = TypeVar("R")


def needs(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse (403) the view to anyone whose role lacks `permission`."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if not allows(g.staff.role, permission):
                abort(403, f"Your role ({g.staff.role.replace('_', ' ')}) may not {permission}.")
            return view(*args, **kwargs)

        return checked

    return decorate


@bp.errorhandler(403)
def forbidden(error: HTTPException) -> ResponseReturnValue:
    """A page saying in one sentence what was refused, never a stack trace."""
    return render_template("forbidden.html", reason=error.description), 403
