"""The `hotline` command: run the hotline locally, and text it from the terminal."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import redis

from hotline.outbox import QUEUE
from hotline.phone import Caller, Heard, Text, Texter, Transport, http_transport
from hotline.twilio_standin import TwilioStandIn

HOME = Path(".hotline")
DEV_ENV = HOME / "dev.env"
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
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = _start_private_redis(children)
        if not env.get("TWILIO_API_BASE_URL") and env["TWILIO_ACCOUNT_SID"] == DEV_ACCOUNT_SID:
            standin = TwilioStandIn(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
            env["TWILIO_API_BASE_URL"] = standin.start()
        children.append(subprocess.Popen(web_command(f"{host}:{port}"), env=env))
        children.append(subprocess.Popen(worker_command(env["REDIS_URL"]), env=env))
        click.echo(
            f"hotline: listening on http://{host}:{port} (Redis: {env['REDIS_URL']}; "
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
    return [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", "2", "--threads", "4",
            "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(s)s %(M)sms",
            "hotline.app:create_app()"]  # fmt: skip


def worker_command(redis_url: str) -> list[str]:
    """An RQ worker with its scheduler, as the Procfile's `worker` line does."""
    return [sys.executable, "-m", "rq.cli", "worker", "--with-scheduler", "--serializer", "json",
            "--url", redis_url, QUEUE]  # fmt: skip


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
                "everysec",
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
