"""The `hotline` command: run the hotline locally, and text it from the terminal."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import click
import redis

from hotline.app import Hotline, create_app
from hotline.callbacks import AlreadyClaimed, CallbackOutcome, NotYours, Status, UnknownRequest
from hotline.content_cli import content
from hotline.dashboard import age
from hotline.outbox import QUEUE
from hotline.phone import Caller, Heard, Text, Texter, Transport, http_transport
from hotline.settings import Settings, SettingsError
from hotline.staff import StaffDirectory, StaffError
from hotline.twilio_standin import TwilioStandIn

HOME = Path(".hotline")
DEV_ENV = HOME / "dev.env"
DEV_ACCOUNT_SID = "AC" + "0" * 32
RQ_SETTINGS = "workers.rq_settings"  # RQ finds the queue's Redis as the app does


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
    }
    if any(name not in saved for name in defaults):
        saved = {**defaults, **saved}
        HOME.mkdir(exist_ok=True)
        DEV_ENV.write_text("".join(f"{k}={v}\n" for k, v in saved.items()))
        DEV_ENV.chmod(0o600)
    return {**saved, **os.environ}


@click.group()
def main() -> None:
    """The second-opinion hotline."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
def run(host: str, port: int) -> None:
    """Run the hotline: a private Redis (unless REDIS_URL is set), the web app and an RQ worker.

    Without a real Twilio account (TWILIO_API_BASE_URL unset and the dev account SID), outbound
    texts and calls go to a local stand-in for Twilio's API, which prints them here.
    """
    env = dev_environment()
    children: list[subprocess.Popen[bytes]] = []
    standin: TwilioStandIn | None = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not env.get("REDIS_URL") and not env.get("REDIS_SENTINELS"):
            env["REDIS_URL"] = _start_private_redis(children)
        if not env.get("TWILIO_API_BASE_URL") and env["TWILIO_ACCOUNT_SID"] == DEV_ACCOUNT_SID:
            standin = TwilioStandIn(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
            env["TWILIO_API_BASE_URL"] = standin.start()
        children.append(subprocess.Popen(web_command(f"{host}:{port}"), env=env))
        children.append(subprocess.Popen(worker_command(), env=env))
        redis_at = env.get("REDIS_URL") or f"Sentinels {env['REDIS_SENTINELS']}"
        click.echo(
            f"hotline: listening on http://{host}:{port} (Redis: {redis_at}; "
            f"Twilio API: {env.get('TWILIO_API_BASE_URL', 'Twilio')})\n"
            "hotline: from another terminal, `.venv/bin/hotline sms` texts it and "
            "`.venv/bin/hotline call` calls it; Ctrl-C stops"
        )
        shown = 0
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
            for sent in standin.sent()[shown:] if standin else ():
                shown += 1
                to = sent.get("To")[-2:]
                click.echo(
                    click.style(
                        f"twilio stand-in: {sent.kind} to …{to}: {sent.get('Body')}", fg="cyan"
                    )
                )
        raise click.ClickException("a hotline process stopped; see its output above")
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            child.terminate()
            child.wait(timeout=10)
        if standin:
            standin.stop()


def web_command(bind: str) -> list[str]:
    """Gunicorn serving the app, as the Procfile's `web` line does."""
    return [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", "5", "--threads", "1",
            "--worker-class", "gthread",
            "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(s)s %(M)sms",
            "hotline.app:create_app()"]  # fmt: skip


def worker_command() -> list[str]:
    """An RQ worker with its scheduler, as the Procfile's `worker` line does (Redis from the env)."""
    return [sys.executable, "-m", "rq.cli", "worker", "--with-scheduler", "--serializer", "json",
            "--worker-ttl", "60", "--maintenance-interval", "30", "--config", RQ_SETTINGS,
            QUEUE]  # fmt: skip


def _start_private_redis(children: list[subprocess.Popen[bytes]]) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise click.ClickException("redis-server is not installed: run `bash .ci/setup`")
    folder = (HOME / "redis").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "redis.sock"
    children.append(
        subprocess.Popen(
            [
                binary,
                "--port",
                "0",
                "--unixsocket",
                str(socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",  # a request is confirmed only once it is on disk
            ],
            stdout=subprocess.DEVNULL,
        )
    )
    url = f"unix://{socket}"
    for _ in range(200):
        try:
            redis.Redis.from_url(url).ping()
            return url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise click.ClickException(f"the private redis-server did not start (see {folder})")


@main.command()
@click.argument("message", required=False)
@click.option(
    "--url", default="http://127.0.0.1:5000", show_default=True, help="The running hotline."
)
@click.option("--from", "number", default="+15555550100", show_default=True, help="Your number.")
def sms(message: str | None, url: str, number: str) -> None:
    """Text the running hotline as Twilio would: one MESSAGE, or a conversation typed line by line."""
    phone = Texter(_transport(url), number)
    if message is not None:
        _show_texts(phone.text(message))
        return
    click.echo("Type a message and press Enter (try SECOND). Ctrl-D ends.")
    for line in _lines("you> "):
        _show_texts(phone.text(line))


@main.command()
@click.option(
    "--url", default="http://127.0.0.1:5000", show_default=True, help="The running hotline."
)
@click.option("--from", "number", default="+15555550100", show_default=True, help="Your number.")
@click.option(
    "--dial-status",
    default="no-answer",
    show_default=True,
    help="How a transfer to a social worker ends (completed, busy, no-answer).",
)
@click.option("--speak", is_flag=True, help="Read the prompts aloud with espeak-ng.")
def call(url: str, number: str, dial_status: str, speak: bool) -> None:
    """Call the running hotline: type keys (1, *, 0, 9), `say <words>`, or an empty line for silence."""
    if speak and shutil.which("espeak-ng") is None:
        raise click.ClickException("--speak needs espeak-ng: apt-get install espeak-ng")
    caller = Caller(_transport(url), number, dial_status)
    heard = caller.dial_in()
    _show_heard(heard, speak)
    for line in _lines("keys> "):
        if heard.ended:
            break
        if line.startswith("say "):
            heard = caller.say(line[4:])
        elif line.strip():
            heard = caller.press(line.strip())
        else:
            heard = caller.silence()
        _show_heard(heard, speak)
        if heard.ended:
            click.echo("   (the call has ended)")
            break


def _transport(url: str) -> Transport:
    env = dev_environment()
    return http_transport(url, env["TWILIO_AUTH_TOKEN"], env.get("PUBLIC_BASE_URL", ""))


def _lines(prompt: str) -> Iterator[str]:
    while True:
        try:
            yield input(prompt)
        except EOFError:
            click.echo()
            return


def _show_texts(texts: list[Text]) -> None:
    if not texts:
        click.echo("   (no reply)")
    for text in texts:
        click.echo(click.style(f"   [{text.cost}]", dim=True))
        click.echo("   " + text.body.replace("\n", "\n   "))


def _show_heard(heard: Heard, speak: bool) -> None:
    for prompt in heard.prompts:
        click.echo(f"   {prompt}")
        if speak:
            subprocess.run(["espeak-ng", "-s", "150", prompt], check=False)
    if heard.dialed:
        click.echo(f"   (ringing {heard.dialed} ...)")


@main.group()
def callbacks() -> None:
    """The social workers' queue of call-back requests (as on the dashboard)."""


@callbacks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_callbacks(as_json: bool) -> None:
    """Requests waiting for a call back: urgent first, then oldest first."""
    h = _hotline()
    now = time.time()
    waiting = h.callbacks.waiting(now)
    if as_json:
        rows = [
            {**dataclasses.asdict(r), "age": round(r.age(now)), "held_by": r.held_by(now)}
            for r in waiting
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not waiting:
        click.echo("Nobody is waiting for a call back.")
        return
    click.echo(
        f"{'ID':<12}  {'NUMBER':<16}  {'WAITING':>10}  TRIES  {'WINDOW':<9}  VOICEMAIL  LANG  STATUS"
    )
    for r in waiting:
        holder = r.held_by(now)
        status = f"claimed by {holder}" if holder else "open"
        if r.not_before > now:
            status += f", retry after {_clock(r.not_before)}"
        click.echo(
            f"{r.id:<12}  {r.number:<16}  {age(r.age(now)):>10}  "
            f"{r.attempts}/{h.callbacks.max_attempts:<3}  {r.window:<9}  "
            f"{'yes' if r.voicemail else 'no':<9}  {r.lang:<4}  "
            f"{'URGENT ' if r.urgent else ''}{status}"
        )


@callbacks.command("claim")
@click.argument("request_id")
@click.option("--as", "user", required=True, help="Your staff username.")
def claim_callback(request_id: str, user: str) -> None:
    """Take request REQUEST_ID for the lease time, so no colleague calls at the same time."""
    h = _hotline()
    _require_staff(h, user)
    try:
        held = h.callbacks.claim(request_id, user, time.time())
    except AlreadyClaimed:
        raise click.ClickException(f"a colleague holds {request_id}") from None
    except UnknownRequest:
        raise click.ClickException(f"{request_id} is not in the queue") from None
    click.echo(f"{user} holds {request_id} until {_clock(held.lease_until)}: call {held.number}")


@callbacks.command("close")
@click.argument("request_id")
@click.option("--as", "user", required=True, help="Your staff username.")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice([o.value for o in CallbackOutcome]),
    help="How the call went (no_answer puts it back in the queue until the last attempt).",
)
@click.option("--note", default="", help="A short note for colleagues.")
def close_callback(request_id: str, user: str, outcome: str, note: str) -> None:
    """Record how the call back to REQUEST_ID went."""
    h = _hotline()
    _require_staff(h, user)
    try:
        closed = h.callbacks.close(
            request_id, user, CallbackOutcome(outcome), note.strip(), time.time()
        )
    except NotYours:
        raise click.ClickException(f"a colleague holds {request_id}") from None
    except UnknownRequest:
        raise click.ClickException(f"{request_id} is not in the queue") from None
    h.outbox.after_close(closed)
    tries = f" (attempt {closed.attempts} of {h.callbacks.max_attempts})"
    if closed.status is Status.CLOSED:
        click.echo(f"{request_id}: {outcome}{tries if outcome == 'no_answer' else ''}; closed")
    else:
        click.echo(
            f"{request_id}: {outcome}{tries}; back in the queue after {_clock(closed.not_before)}"
        )


@main.group()
def staff() -> None:
    """Social workers' accounts for the dashboard."""


@staff.command("add")
@click.argument("username")
@click.option(
    "--phone", required=True, help="Their own phone (E.164): it rings first on a call back."
)
@click.option("--name", default="", help="Their name as the dashboard shows it.")
def add_staff(username: str, phone: str, name: str) -> None:
    """Add an account USERNAME; the password is asked for twice and never shown."""
    directory = StaffDirectory(_hotline().redis)
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        member = directory.add(username, password, phone, name)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {member.username} ({member.name})")


@staff.command("list")
def list_staff() -> None:
    """Every staff account."""
    members = StaffDirectory(_hotline().redis).list()
    if not members:
        click.echo("No staff accounts yet: add one with `hotline staff add`.")
    for member in members:
        click.echo(f"{member.username:<20}  {member.phone:<16}  {member.name}")


def _hotline() -> Hotline:
    """The hotline's resources as the app builds them, from the environment and `.hotline/dev.env`.

    Without REDIS_URL, the private Redis a running `hotline run` keeps under `.hotline/` is used.
    """
    env = dev_environment()
    socket = HOME / "redis" / "redis.sock"
    if not env.get("REDIS_URL") and not env.get("REDIS_SENTINELS") and socket.exists():
        env["REDIS_URL"] = f"unix://{socket.resolve()}"
    try:
        return create_app(Settings.from_env(env)).extensions["hotline"]
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _require_staff(h: Hotline, username: str) -> None:
    """A clear error unless `username` is a staff account (a typo must not act in nobody's name)."""
    if StaffDirectory(h.redis).get(username) is None:
        raise click.ClickException(f"no staff account {username!r}: see `hotline staff list`")


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%a %H:%M")


main.add_command(content)
