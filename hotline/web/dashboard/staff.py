"""Managing people from the dashboard: supervisors manage social workers, admins everyone."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from hotline import accounts
from hotline.permissions import Permission, may_manage
from hotline.stores.staff import Role, StaffError
from hotline.web.dashboard.blueprint import actor, bp
from hotline.web.dashboard.roles import needs
from hotline.web.resources import hotline

# The buttons beside each account: what each does, and what it says when done.
ACTIONS: dict[str, tuple[accounts.Change, str]] = {
    "disable": (accounts.disable, "disabled and logged out"),
    "enable": (accounts.enable, "enabled"),
    "logout": (accounts.log_out, "logged out everywhere"),
    "reset-2fa": (accounts.reset_two_factor, "must set up an authenticator again"),
    "remove": (accounts.remove, "removed"),
}


@bp.get("/staff")
@needs(Permission.MANAGE_SOCIAL_WORKERS)
def staff_list() -> str:
    """Every account, with what this person may change of each."""
    h = hotline()
    members = h.staff.list()
    return render_template(
        "staff.html",
        members=members,
        sessions={m.username: h.sessions.count(m.username) for m in members},
        manageable={m.username for m in members if may_manage(g.staff.role, m.role)},
        roles=[r for r in Role if may_manage(g.staff.role, r)],
    )


@bp.post("/staff/add")
@needs(Permission.MANAGE_SOCIAL_WORKERS)
def staff_add() -> ResponseReturnValue:
    """Add an account with a first password the supervisor passes on."""
    form = request.form
    try:
        member = accounts.add(
            hotline(),
            actor(),
            g.staff.role,
            form.get("username", "").strip().lower(),
            form.get("password", ""),
            form.get("phone", "").strip(),
            form.get("name", "").strip(),
            Role(form.get("role", Role.SOCIAL_WORKER)),
        )
    except (StaffError, ValueError) as exc:
        flash(f"Not added: {exc}.", "error")
    else:
        flash(f"Added {member.username} as {member.role.replace('_', ' ')}.", "ok")
    return redirect(url_for("dashboard.staff_list"))


@bp.post("/staff/<username>/role")
@needs(Permission.MANAGE_SOCIAL_WORKERS)
def staff_role(username: str) -> ResponseReturnValue:
    """Give someone another role (their sessions end)."""
    try:
        role = Role(request.form.get("role", ""))
        accounts.set_role(hotline(), actor(), g.staff.role, username, role)
    except (StaffError, ValueError) as exc:
        flash(f"Not changed: {exc}.", "error")
    else:
        flash(f"{username} is now {role.replace('_', ' ')} and must log in again.", "ok")
    return redirect(url_for("dashboard.staff_list"))


@bp.post("/staff/<username>/languages")
@needs(Permission.MANAGE_SOCIAL_WORKERS)
def staff_languages(username: str) -> ResponseReturnValue:
    """Record the languages someone speaks."""
    try:
        chosen = request.form.getlist("languages")
        accounts.set_languages(hotline(), actor(), g.staff.role, username, chosen)
    except StaffError as exc:
        flash(f"Not changed: {exc}.", "error")
    else:
        flash(f"{username}: languages recorded.", "ok")
    return redirect(url_for("dashboard.staff_list"))


@bp.post("/staff/<username>/password")
@needs(Permission.MANAGE_SOCIAL_WORKERS)
def staff_password(username: str) -> ResponseReturnValue:
    """Set a new password (their sessions end)."""
    try:
        password = request.form.get("password", "")
        accounts.set_password(hotline(), actor(), g.staff.role, username, password)
    except StaffError as exc:
        flash(f"Not changed: {exc}.", "error")
    else:
        flash(f"{username} has a new password and must log in again.", "ok")
    return redirect(url_for("dashboard.staff_list"))


@bp.post("/staff/<username>/<action>")
@needs(Permission.MANAGE_SOCIAL_WORKERS)
def staff_change(username: str, action: str) -> ResponseReturnValue:
    """Disable, enable, log out, reset the second factor of, or remove an account."""
    if action not in ACTIONS:
        return redirect(url_for("dashboard.staff_list"))
    change, done = ACTIONS[action]
    try:
        change(hotline(), actor(), g.staff.role, username)
    except StaffError as exc:
        flash(f"Not done: {exc}.", "error")
    else:
        flash(f"{username}: {done}.", "ok")
    return redirect(url_for("dashboard.staff_list"))
