"""`hotline run`: the whole hotline on this machine, as the Procfile runs it in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from hotline.dev import procfile
from hotline.dev.env import DEV_ACCOUNT_SID, HOME, REDIS_FOLDER, dev_environment
from hotline.dev.redis_server import RedisNotInstalled, RedisServer
from hotline.dev.twilio_standin import TwilioStandIn

# The web line's own access log: method, path, status and time; never a query or a body.
ACCESS_LOG = ["--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(s)s %(M)sms"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
def run(host: str, port: int) -> None:
    """Run the hotline: a private Redis (unless REDIS_URL is set), the web app and an RQ worker.

    Without a real Twilio account (TWILIO_API_BASE_URL unset and the dev account SID), outbound
    texts and calls go to a local stand-in for Twilio's API, which prints them here.
    """
    os.umask(0o077)  # whatever this run and its children write (Redis's files too) is owner-only
    env = dev_environment()
    children: list[subprocess.Popen[bytes]] = []
    redis_server: RedisServer | None = None
    standin: TwilioStandIn | None = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not env.get("REDIS_URL") and not env.get("REDIS_SENTINELS"):
            redis_server = RedisServer(REDIS_FOLDER, durable=True)
            try:
                env["REDIS_URL"] = redis_server.start()
            except (RedisNotInstalled, RuntimeError) as exc:
                raise click.ClickException(str(exc)) from None
        if not env.get("TWILIO_API_BASE_URL") and env["TWILIO_ACCOUNT_SID"] == DEV_ACCOUNT_SID:
            standin = TwilioStandIn(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
            env["TWILIO_API_BASE_URL"] = standin.start()
        # gunicorn's workers add up their metrics there (/metrics, with METRICS_TOKEN set).
        env.setdefault("PROMETHEUS_MULTIPROC_DIR", str((HOME / "metrics").resolve()))
        web = procfile.web(f"{host}:{port}")
        children.append(subprocess.Popen([*web[:-1], *ACCESS_LOG, web[-1]], env=env))
        children.append(subprocess.Popen(procfile.worker(), env=env))
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
        if redis_server:
            redis_server.stop()
        if standin:
            standin.stop()
