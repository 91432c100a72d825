"""The hotline's resources for a command, built as the app builds them, and who is acting."""

from __future__ import annotations

import getpass

import click

from hotline.dev.env import dev_environment, local_redis_url
from hotline.permissions import Permission, allows
from hotline.settings import Settings, SettingsError
from hotline.stores.audit import Actor
from hotline.stores.staff import StaffMember
from hotline.wiring import Hotline, build_hotline


def resources() -> Hotline:
    """From the environment and `.hotline/dev.env`; without REDIS_URL, a running `hotline run`'s Redis."""
    env = dev_environment()
    if url := local_redis_url(env):
        env["REDIS_URL"] = url
    try:
        return build_hotline(Settings.from_env(env))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def require_staff(h: Hotline, username: str, permission: Permission) -> StaffMember:
    """The account `username` if it is enabled and its role has `permission`; else a clear error.

    A typo must not act in nobody's name, nor a disabled account act at all.
    """
    member = h.staff.get(username)
    if member is None:
        raise click.ClickException(f"no staff account {username!r}: see `hotline staff list`")
    if not member.enabled:
        raise click.ClickException(f"the account {username!r} is disabled")
    if not allows(member.role, permission):
        raise click.ClickException(f"a {member.role} may not {permission}")
    return member


def cli_actor(username: str = "") -> Actor:
    """Who acts from the command line: the staff account named (if any) and the OS user."""
    return Actor(username, os_user=os_user())


def os_user() -> str:
    """The operating-system user running the command."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
