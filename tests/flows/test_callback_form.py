"""The call-back form's last two questions, by text and by voice, in both languages: contacting
safely (with a first name by text) and treatment within two weeks (skippable)."""

from __future__ import annotations

import pytest

from flows.callback import FIRST_NAME_MAX, named_choice
from flows.content import load_flows
from flows.engine import step
from flows.model import Channel, Event, Outcome, RequestCallback, State

FLOWS = load_flows()
TEXT_TO_TREATMENT = ["SECOND", "6", "1", "1"]


def texts(bodies: list[str], lang_start: str = "SECOND") -> list[Outcome]:
    state, outcomes = State(), []
    for body in [lang_start, *bodies]:
        outcome = step(FLOWS, state, Event(Channel.SMS, text=body))
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def filed(outcome: Outcome) -> RequestCallback:
    [effect] = outcome.effects
    assert isinstance(effect, RequestCallback)
    return effect


@pytest.mark.parametrize(
    ("contact", "treatment", "say", "name", "soon"),
    [
        ("1", "1", True, "", True),
        ("2 Ana", "2", False, "Ana", False),
        ("1. Ana María", "3", True, "Ana María", None),
        ("2) O'Neil-Smith", "3", False, "O'Neil-Smith", None),
    ],
)
def test_by_text_the_answers_and_a_first_name_reach_the_request(
    contact: str, treatment: str, say: bool, name: str, soon: bool | None
) -> None:
    outcomes = texts(["6", "1", "1", contact, treatment])
    assert "If someone else answers" in outcomes[3].replies[0]
    assert "Last question" in outcomes[4].replies[0]
    form = filed(outcomes[5]).form
    assert (form.say_cancercare, form.first_name, form.treatment_soon) == (say, name, soon)


def test_a_name_without_a_key_is_not_understood_and_asked_again() -> None:
    outcomes = texts(["6", "1", "1", "Ana"])
    assert (
        outcomes[-1].replies[0].startswith("Sorry")
        and outcomes[-1].state.node == "callback_contact"
    )


def test_in_spanish_too() -> None:
    outcomes = texts(["6", "1", "1", "2 Ana", "1"], lang_start="SEGUNDA")
    assert "¿podemos decir que somos de CancerCare?" in outcomes[3].replies[0]
    assert "Ultima pregunta" in outcomes[4].replies[0]
    form = filed(outcomes[5]).form
    assert (form.say_cancercare, form.first_name, form.treatment_soon) == (False, "Ana", True)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_by_voice_each_question_is_one_key(lang: str) -> None:
    state = State(lang=lang, node="callback_voicemail", steps=3)
    for key in ("1", "2", "1"):
        outcome = step(FLOWS, state, Event(Channel.VOICE, digits=key, can_text=True))
        state = outcome.state
    form = filed(outcome).form
    assert (form.voicemail, form.say_cancercare, form.treatment_soon, form.first_name) == (
        True, False, True, "",
    )  # fmt: skip


def test_a_first_name_is_letters_kept_short() -> None:
    state, key = named_choice(State(), "2  Ana!! 123 :)")
    assert (key, state.form.first_name) == ("2", "Ana")
    state, _ = named_choice(State(), "1 " + "Maximiliana " * 5)
    assert state.form.first_name == ("Maximiliana " * 5)[:FIRST_NAME_MAX].strip()
    assert named_choice(State(), "2 123") is None and named_choice(State(), "9 Ana") is None
