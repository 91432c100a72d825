"""Changes to staff accounts, from the dashboard or the command line alike.

Each checks that the one acting may make it (None: the operator on the server, who may do
anything), ends the person's sessions when their access changes, and leaves one audit entry.
"""

from __future__ import annotations

from collections.abc import Callable

from hotline.permissions import may_manage
from hotline.stores.audit import Action, Actor
from hotline.stores.staff import Role, StaffError, StaffMember
from hotline.wiring import Hotline

# A change to one account: (resources, who acts, their role or None for the operator, username).
Change = Callable[[Hotline, Actor, Role | None, str], object]


class NotAllowed(StaffError):
    """The one acting may not change that account (or give that role)."""


def add(
    h: Hotline,
    actor: Actor,
    acting_role: Role | None,
    username: str,
    password: str,
    phone: str,
    name: str = "",
    role: Role = Role.SOCIAL_WORKER,
) -> StaffMember:
    """Create an account."""
    _check(acting_role, role)
    member = h.staff.add(username, password, phone, name, role)
    h.audit.record(Action.STAFF_ADD, actor, subject=username, detail=f"role {role}")
    return member


def disable(h: Hotline, actor: Actor, acting_role: Role | None, username: str) -> StaffMember:
    """Switch an account off and end its sessions."""
    _check(acting_role, _role_of(h, username))
    member = h.staff.set_enabled(username, False)
    return _ended(h, actor, Action.STAFF_DISABLE, member)


def enable(h: Hotline, actor: Actor, acting_role: Role | None, username: str) -> StaffMember:
    """Switch an account back on."""
    _check(acting_role, _role_of(h, username))
    member = h.staff.set_enabled(username, True)
    h.audit.record(Action.STAFF_ENABLE, actor, subject=username)
    return member


def remove(h: Hotline, actor: Actor, acting_role: Role | None, username: str) -> StaffMember:
    """Delete an account and end its sessions (its audit entries stay)."""
    _check(acting_role, _role_of(h, username))
    member = h.staff.remove(username)
    return _ended(h, actor, Action.STAFF_REMOVE, member)


def set_password(
    h: Hotline, actor: Actor, acting_role: Role | None, username: str, password: str
) -> StaffMember:
    """Give an account a new password and end its sessions."""
    _check(acting_role, _role_of(h, username))
    member = h.staff.set_password(username, password)
    return _ended(h, actor, Action.STAFF_PASSWORD, member)


def set_role(
    h: Hotline, actor: Actor, acting_role: Role | None, username: str, role: Role
) -> StaffMember:
    """Give an account another role and end its sessions (it logs in again under the new one)."""
    _check(acting_role, _role_of(h, username))
    _check(acting_role, role)
    member = h.staff.set_role(username, role)
    return _ended(h, actor, Action.STAFF_ROLE, member, f"role {role}")


def set_languages(
    h: Hotline, actor: Actor, acting_role: Role | None, username: str, languages: list[str]
) -> StaffMember:
    """Record the languages someone speaks (the queue can show only those, and every urgent one)."""
    _check(acting_role, _role_of(h, username))
    member = h.staff.set_languages(username, languages)
    detail = ",".join(member.languages) or "none"
    h.audit.record(Action.STAFF_LANGUAGES, actor, subject=username, detail=detail)
    return member


def log_out(h: Hotline, actor: Actor, acting_role: Role | None, username: str) -> int:
    """End every session of an account at once; how many there were."""
    _check(acting_role, _role_of(h, username))
    ended = h.sessions.end_all(username)
    h.audit.record(Action.STAFF_LOGOUT, actor, subject=username, detail=f"{ended} sessions")
    return ended


def reset_two_factor(
    h: Hotline, actor: Actor, acting_role: Role | None, username: str
) -> StaffMember:
    """Forget an account's authenticator (a lost phone) and end its sessions: it enrols again."""
    _check(acting_role, _role_of(h, username))
    h.two_factor.reset(username)
    member = h.staff.get(username)
    assert member is not None
    return _ended(h, actor, Action.STAFF_RESET_2FA, member)


def _ended(
    h: Hotline, actor: Actor, action: Action, member: StaffMember, detail: str = ""
) -> StaffMember:
    h.sessions.end_all(member.username)
    h.audit.record(action, actor, subject=member.username, detail=detail)
    return member


def _role_of(h: Hotline, username: str) -> Role:
    member = h.staff.get(username)
    if member is None:
        raise StaffError(f"no staff account {username!r}")
    return member.role


def _check(acting_role: Role | None, target: Role) -> None:
    if acting_role is not None and not may_manage(acting_role, target):
        raise NotAllowed(f"a {acting_role} may not manage a {target}'s account")
