"""The hotline's resources for a command, built as the app builds them."""

from __future__ import annotations

import click

from hotline.dev.env import dev_environment, local_redis_url
from hotline.settings import Settings, SettingsError
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


def require_staff(h: Hotline, username: str) -> None:
    """A clear error unless `username` is a staff account (a typo must not act in nobody's name)."""
    if h.staff.get(username) is None:
        raise click.ClickException(f"no staff account {username!r}: see `hotline staff list`")
