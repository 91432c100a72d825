"""`hotline sms` and `hotline call`: text or call the running hotline as Twilio would."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import click

from hotline.dev.env import dev_environment
from hotline.dev.phone import PLAY_NUMBER, Caller, Heard, Text, Texter, Transport, http_transport


@click.command()
@click.argument("message", required=False)
@click.option(
    "--url", default="http://127.0.0.1:5000", show_default=True, help="The running hotline."
)
@click.option("--from", "number", default=PLAY_NUMBER, show_default=True, help="Your number.")
@click.option("--whatsapp", is_flag=True, help="Write as a WhatsApp user (From=whatsapp:+1…).")
def sms(message: str | None, url: str, number: str, whatsapp: bool) -> None:
    """Text the running hotline as Twilio would: one MESSAGE, or a conversation typed line by line."""
    phone = Texter(_transport(url), number, whatsapp)
    if message is not None:
        _show_texts(phone.text(message))
        return
    click.echo("Type a message and press Enter (try SECOND). Ctrl-D ends.")
    for line in _lines("you> "):
        _show_texts(phone.text(line))


@click.command()
@click.option(
    "--url", default="http://127.0.0.1:5000", show_default=True, help="The running hotline."
)
@click.option("--from", "number", default=PLAY_NUMBER, show_default=True, help="Your number.")
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
