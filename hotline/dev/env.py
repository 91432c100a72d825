"""The local environment of `hotline run` and the simulators: `.hotline/dev.env` under os.environ."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOME = Path(".hotline")
DEV_ENV = HOME / "dev.env"
REDIS_FOLDER = HOME / "redis"
DEV_ACCOUNT_SID = "AC" + "0" * 32


def dev_environment() -> dict[str, str]:
    """The environment for a local run: os.environ over `.hotline/dev.env`, created on first use.

    The dev file keeps a generated auth token and secret, so `hotline sms` signs what
    `hotline run` checks, and conversations and opt-outs survive a restart.
    """
    saved = (
        dict(line.split("=", 1) for line in DEV_ENV.read_text().splitlines() if "=" in line)
        if DEV_ENV.exists()
        else {}
    )
    defaults = {
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "HOTLINE_SECRET": secrets.token_hex(32),
        "TWILIO_ACCOUNT_SID": DEV_ACCOUNT_SID,
        "TWILIO_PHONE_NUMBER": "+15005550006",
        "WHATSAPP_SENDER": "+15005550006",  # `hotline sms --whatsapp` writes to the same number
    }
    if any(name not in saved for name in defaults):
        saved = {**defaults, **saved}
        with owner_only():
            HOME.mkdir(exist_ok=True)
            DEV_ENV.write_text("".join(f"{k}={v}\n" for k, v in saved.items()))
    return {**saved, **os.environ}


@contextmanager
def owner_only() -> Iterator[None]:
    """Files and folders created meanwhile are the owner's alone (umask 077): they hold health data."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def local_redis_url(env: dict[str, str]) -> str:
    """REDIS_URL, else the private Redis a running `hotline run` keeps under `.hotline/` ('' if none)."""
    socket = REDIS_FOLDER / "redis.sock"
    if env.get("REDIS_URL") or env.get("REDIS_SENTINELS") or not socket.exists():
        return env.get("REDIS_URL", "")
    return f"unix://{socket.resolve()}"
