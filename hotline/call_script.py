"""What a social worker may say when calling someone back: the person's own answers about
contacting them safely, and a call script that follows those answers.

The dashboard shows both on the card, the command line in `callbacks show`.
"""

from __future__ import annotations

from hotline.stores.callbacks import CallbackRequest, Mention

UNASKED = " (not asked: be discreet)"


def contact_rules(r: CallbackRequest) -> list[tuple[str, str]]:
    """The person's answers, as (what, answer): voicemail, what to say to someone else, whom to
    ask for."""
    voicemail = "OK to leave a message" if r.voicemail else "Do not leave a message"
    if r.mention is Mention.CANCERCARE:
        someone_else = "You may say you are calling from CancerCare"
    else:
        someone_else = "Say only “a call you asked for” (not CancerCare, not cancer)"
        someone_else += UNASKED if r.mention is Mention.UNASKED else ""
    ask_for = r.first_name or "(no name given: “the person who asked for this call”)"
    return [
        ("Voicemail", voicemail),
        ("If someone else answers", someone_else),
        ("Ask for", ask_for),
    ]


def call_script(r: CallbackRequest, worker: str) -> list[str]:
    """The lines of a call back to `r` by `worker` (their first name), following its answers."""
    them = r.first_name or "the person who asked us to call"
    lines = [f"“Hello, may I speak with {them}?”"]
    if r.discreet:
        lines.append(
            f"Someone else answers: “This is {worker}, returning a call {r.first_name or 'someone'}"
            " asked for. When is a good time to reach them?” Say nothing of CancerCare or why."
        )
    else:
        lines.append(f"Someone else answers: “This is {worker} from CancerCare, returning a call.”")
    lines.append(
        f"They answer: “This is {worker}, an oncology social worker with CancerCare, returning the"
        " call you asked for. Is now a good time to talk?”"
    )
    if r.treatment_soon:
        lines.append("They said treatment starts within two weeks: ask when, and start there.")
    if not r.voicemail:
        lines.append("No answer: hang up without leaving a message, and record no answer.")
    elif r.discreet:
        lines.append(
            f"No answer: leave “This is {worker}, returning a call you asked for. I will try"
            " again.” Nothing more."
        )
    else:
        lines.append(
            f"No answer: leave “This is {worker} from CancerCare, returning your call. I will try"
            " again, or call us at 800-813-4673.”"
        )
    return lines
