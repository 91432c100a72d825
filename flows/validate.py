"""Check content before it is used: a sound graph, the same shape in every language, budgets kept."""

from __future__ import annotations

from collections.abc import Iterator

from flows.callback import CALLBACK_NODE, DONE_NODE, NUMBER_NODE
from flows.catalogue import (
    SMS_MAX_SEGMENTS,
    VOICE_MAX_SECONDS,
    VOICE_SLOW_MAX_SECONDS,
    WHEN_MAX,
    slow,
    sms_texts,
    spoken_seconds,
    voice_prompts,
    whatsapp_breach,
)
from flows.model import (
    Channel,
    FileRequest,
    Flow,
    Flows,
    GoTo,
    SwitchLanguage,
    Talk,
    Target,
    Window,
)
from flows.segments import measure

# Texts the host fills in (hotline/office.py): the office hours in words ("Monday to Friday,
# from 9 AM to 5 PM, New York time"), and when to expect a call back.
HOST_TEXTS = [
    "hours",
    "hours_days",
    "hours_run",
    "hours_and",
    "clock",
    "clock_midnight",
    # When to expect a call back, in the confirming text.
    *(f"when_today_{w}" for w in Window),
    *(f"when_later_{w}" for w in Window),
    "when_tomorrow",
    "when_day",
    "when_unknown",
]
REQUIRED_TEXTS = [
    "slow_down",
    "crisis",
    "urgent_filed",
    "voice_crisis",
    "voice_crisis_last",
    "voice_urgent_filed",
    "voice_other_language",
    "callback_confirmed",
    "callback_missed",
    "heads_up",
    "heads_up_discreet",
    "voice_form_keys",
    "number_ok",
    "number_bad",
    "number_abroad",
    "number_premium",
    "welcome",
    "notice",
    "root_footer",
    "footer",
    "more_footer",
    "sorry",
    "no_more",
    "help",
    "unavailable",
    "voice_welcome",
    "voice_notice",
    "voice_option",
    "voice_more",
    "voice_keys",
    "voice_root_keys",
    "voice_wrong_key",
    "voice_not_understood",
    "voice_silence",
    "voice_help",
    "voice_offer",
    "voice_goodbye",
    "voice_texted",
    "voice_no_text",
    "voice_not_textable",
    "voice_connecting",
    "voice_closed",
    "voice_no_answer",
    "unavailable_voice",
    "opted_out",
    "opted_in",
    "resume",
    "checkin_offer",
    "checkin_offer_after_call",
    "checkin_agreed",
    "checkin_declined",
    "checkin",
    "checkin_thanks_yes",
    "checkin_thanks_not_yet",
    "checkin_thanks_social_worker",
    "voice_slower_offer",
    "voice_slower",
    "voice_resume",
    *HOST_TEXTS,
]
REQUIRED_KEYWORDS = (
    "start", "menu", "back", "more", "repeat", "talk", "help", "urgent", "crisis", "negation",
    "slower",
)  # fmt: skip
# Ordered word lists, and how many words each has: digits 0-9 said as words, the days of the
# week from Monday, and the words for before and after noon.
REQUIRED_WORDS = {"numbers": 10, "days": 7, "meridiem": 2}
LANGUAGE_KEY = "9"  # 0 is the main menu, 8 an urgent call back, 9 elsewhere "send this by text"
REQUIRED_NODES = (CALLBACK_NODE, DONE_NODE, NUMBER_NODE)


class ContentError(ValueError):
    """A content file is malformed, inconsistent or over budget."""


def validate(flows: Flows) -> None:
    """Raise ContentError listing every problem found in `flows`."""
    problems = [p for flow in flows.values() for p in _flow_problems(flow)]
    problems += list(_shape_problems(flows))
    if problems:
        raise ContentError("content is not valid:\n  " + "\n  ".join(problems))


def _flow_problems(flow: Flow) -> Iterator[str]:
    lang = flow.lang
    missing = [t for t in REQUIRED_TEXTS if t not in flow.texts]
    missing += [f"keywords.{k}" for k in REQUIRED_KEYWORDS if k not in flow.keywords]
    missing += [f"words.{k}" for k in REQUIRED_WORDS if k not in flow.words]
    missing += ["name"] if not flow.name else []
    missing += [f"node {n!r}" for n in (flow.root, *REQUIRED_NODES) if n not in flow.nodes]
    if missing:
        yield f"{lang}: missing {', '.join(missing)}"
        return
    yield from _word_problems(flow)
    for node in flow.nodes.values():
        if not node.sms or not node.voice:
            yield f"{lang}: {node.id} needs at least one SMS page and one voice page"
        keys = [o.key for o in node.options]
        allowed = set("1234567") | ({LANGUAGE_KEY} if node.id == flow.root else set())
        if len(set(keys)) != len(keys) or not set(keys) <= allowed:
            yield f"{lang}: {node.id} option keys must be distinct digits 1-7 (9 on the main menu), got {keys}"
        for option in node.options:
            match option.target:
                case Talk() if option.channel is not Channel.VOICE:
                    yield f"{lang}: {node.id} option {option.key} leads to @talk, which only voice can do"
                case GoTo(target) if target not in flow.nodes:
                    yield f"{lang}: {node.id} option {option.key} leads to unknown node {target!r}"
    unreachable = set(flow.nodes) - set(flow.parents) - {flow.root, DONE_NODE}
    if unreachable:
        yield f"{lang}: nodes not reachable from {flow.root}: {sorted(unreachable)}"
    if any(not node.sms or not node.voice for node in flow.nodes.values()):
        return
    for name, text in sms_texts(flow):
        m = measure(text)
        if not m.is_gsm7 or m.segments > SMS_MAX_SEGMENTS:
            yield (
                f"{lang}: SMS {name} is {m.encoding}, {m.characters} chars, {m.segments} segments"
                f" (budget: GSM-7, {SMS_MAX_SEGMENTS}); non-GSM: {list(m.non_gsm)}"
            )
    for name, text in sms_texts(flow, Channel.WHATSAPP):
        if breach := whatsapp_breach(text):
            yield f"{lang}: WhatsApp {name} is {breach}"
    for name, text in voice_prompts(flow):
        seconds = spoken_seconds(text)
        if seconds > VOICE_MAX_SECONDS:
            yield f"{lang}: voice {name} takes {seconds:.0f} s (budget {VOICE_MAX_SECONDS:.0f} s)"
        if slow(text) > VOICE_SLOW_MAX_SECONDS:
            yield f"{lang}: voice {name} takes {slow(text):.0f} s slowly (budget {VOICE_SLOW_MAX_SECONDS:.0f} s)"


def _word_problems(flow: Flow) -> Iterator[str]:
    """The word lists' lengths; the host's texts (office hours, "when") filled in, within budget."""
    lang = flow.lang
    for name, count in REQUIRED_WORDS.items():
        if len(flow.words[name]) != count:
            yield f"{lang}: words.{name} needs {count} words, got {len(flow.words[name])}"
    if any(len(flow.words[name]) != count for name, count in REQUIRED_WORDS.items()):
        return
    days = flow.words["days"]
    sample = {
        "hour12": "12", "hour24": "23", "minute": "59", "colon_minute": ":59",
        "meridiem": flow.words["meridiem"][1], "first": days[0], "last": days[-1],
        "days": days[0], "opens": "9", "closes": "17", "runs": days[0], "city": "New York",
        "day": days[0], "close": "17",
    }  # fmt: skip
    try:
        for name in HOST_TEXTS:
            flow.text(name, **sample)
        close = flow.text("clock", **sample)
        later = [flow.text("when_day", day=d) for d in days]
        day = max([flow.text("when_tomorrow"), *later], key=len)
        whens = {n: flow.text(n, day=day, close=close) for n in HOST_TEXTS if n.startswith("when_")}
    except (KeyError, IndexError, ValueError) as exc:
        yield f"{lang}: a text of the office hours or of when to expect a call is malformed: {exc!r}"
        return
    for name, when in whens.items():
        if len(when) > WHEN_MAX:
            yield f"{lang}: {name} can be {len(when)} characters (budget {WHEN_MAX}): {when!r}"


def _shape(target: Target) -> str:
    """A target as the same in every language: a language switch leads to another one in each."""
    match target:
        case GoTo(node):
            return node
        case SwitchLanguage():
            return "@lang"
        case Talk():
            return "@talk"
        case FileRequest():
            return "@callback"


def _shape_problems(flows: Flows) -> Iterator[str]:
    shapes = {
        lang: {n.id: [(o.key, _shape(o.target)) for o in n.options] for n in flow.nodes.values()}
        for lang, flow in flows.items()
    }
    first_lang, first = next(iter(shapes.items()))
    for lang, shape in shapes.items():
        if shape != first:
            yield f"{lang}: nodes or options differ from {first_lang}"
    for flow in flows.values():
        for node in flow.nodes.values():
            for option in node.options:
                match option.target:
                    case SwitchLanguage(other) if other not in flows or other == flow.lang:
                        yield f"{flow.lang}: {node.id} option {option.key} offers a language there is no content for: {other!r}"
