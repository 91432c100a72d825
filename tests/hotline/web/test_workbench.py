"""The workbench on the dashboard: cards that say how to reach the person safely, history,
notes, scheduled call backs on the app's clock, hand-over, the heads-up text, the language
filter, paging and search, and the live list's own script under the security policy."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace

import pyotp
import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from hotline.dev.twilio_standin import TwilioStandIn
from hotline.display import tomorrow
from hotline.outbound import jobs, outbox
from hotline.settings import Settings
from hotline.stores.callbacks import CallbackOutcome, Mention
from hotline.web.dashboard.blueprint import SECURITY_HEADERS
from hotline.wiring import QUEUE, Hotline
from tests.support import callback_request, fictional, run_jobs

from .conftest import Clock, Staffer

PERSON = "+12025550101"


def file(
    h: Hotline, asker: str = PERSON, at: float | None = None, key: str = "", **fields: object
) -> str:
    """File a request from `asker`'s phone, to call that number back (as the filing job does)."""
    when = h.clock() - 60 if at is None else at
    person = h.store.tag(asker)  # the keyed hash of the asker's number
    asked = callback_request(asker, when, **{"text_to": asker, "person": person, **fields})
    return h.callbacks.file(key or f"file-{asker}", asked).id


def cards(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="r-(\w+)">(.*?)</section>', page, re.S))


@pytest.fixture(autouse=True)
def no_closing_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "after_close", lambda h, request: None)


def test_a_card_shows_how_to_reach_the_person_safely_and_a_script_that_follows(
    h: Hotline, person: Callable[..., Staffer]
) -> None:
    discreet = file(h, first_name="Ana", mention=Mention.DISCREET, treatment_soon=True)
    open_ = file(h, "+12025550102", mention=Mention.CANCERCARE, voicemail=True)
    alice = person("alice")
    page = alice.get("/dashboard/").get_data(as_text=True)
    card = cards(page)[discreet]
    assert "Treatment within 2 weeks" in card and "First request" in card
    assert "<dd>Say only “a call you asked for” (not CancerCare, not cancer)</dd>" in card
    assert "<dd>Ana</dd>" in card and "<dd>Do not leave a message</dd>" in card
    assert "You may say you are calling from CancerCare" in cards(page)[open_]
    alice.post(f"/dashboard/requests/{discreet}/claim")
    card = cards(alice.get("/dashboard/").get_data(as_text=True))[discreet]
    assert 'href="tel:+12025550101">(202) 555-0101</a>' in card
    assert "“Hello, may I speak with Ana?”" in card and "Say nothing of CancerCare" in card
    assert "hang up without leaving a message" in card and "ask when, and start there" in card


def test_treatment_soon_comes_right_after_urgent(
    h: Hotline, person: Callable[..., Staffer]
) -> None:
    now = h.clock()
    oldest = file(h, "+12025550101", now - 900)
    soon = file(h, "+12025550102", now - 60, treatment_soon=True)
    urgent = file(h, "+12025550103", now - 30, urgent=True)
    page = person("alice").get("/dashboard/").get_data(as_text=True)
    assert list(cards(page)) == [urgent, soon, oldest]
    assert "<title>(3) Queue · Hotline</title>" in page


def test_notes_are_timestamped_escaped_newest_first_and_only_added(
    h: Hotline, person: Callable[..., Staffer], clock: Clock
) -> None:
    request_id = file(h)
    alice = person("alice")
    alice.post(f"/dashboard/requests/{request_id}/claim")
    alice.post(f"/dashboard/requests/{request_id}/notes", note="First try: busy.")
    clock.advance(60)
    alice.post(f"/dashboard/requests/{request_id}/notes", note="<script>alert(1)</script> & more")
    page = alice.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page and "<script>alert" not in page
    )
    assert page.index("&lt;script&gt;") < page.index("First try: busy.")
    assert "Notes (2)" in page and page.count("· alice</span>") == 2
    bob = person("bob")
    bob.post(f"/dashboard/requests/{request_id}/notes", note="not mine")
    assert [n.text for n in h.cases.case(request_id).notes][0].startswith("<script>")
    assert len(h.cases.case(request_id).notes) == 2


def test_no_answer_scheduled_for_tomorrow_leaves_the_queue_until_the_clock_gets_there(
    h: Hotline, person: Callable[..., Staffer], clock: Clock
) -> None:
    other = file(h, "+12025550102", h.clock() - 3600)
    request_id = file(h)
    alice = person("alice")
    alice.post(f"/dashboard/requests/{request_id}/claim")
    day = tomorrow(clock(), h.settings.office_hours.zone)
    alice.post(
        f"/dashboard/requests/{request_id}/outcome",
        outcome="no_answer", note="Rang out.", due_day=day, due_time="10:00",
    )  # fmt: skip
    page = alice.get("/dashboard/").get_data(as_text=True)
    assert "It comes back to the queue at" in page and list(cards(page)) == [other]
    assert "Scheduled for later: 1" in page
    due = h.callbacks.get(request_id).due_at
    assert list(cards(alice.get("/dashboard/?later=1").get_data(as_text=True))) == [request_id]
    clock.now = due + 1
    page = person("bob").get("/dashboard/").get_data(as_text=True)
    assert list(cards(page)) == [request_id, other]  # due: ahead of the oldest
    assert "Due " in cards(page)[request_id] and "Last note" in cards(page)[request_id]


def test_a_time_gone_by_or_garbled_is_refused(h: Hotline, person: Callable[..., Staffer]) -> None:
    request_id = file(h)
    alice = person("alice")
    alice.post(f"/dashboard/requests/{request_id}/claim")
    alice.post(f"/dashboard/requests/{request_id}/schedule", due_day="2001-01-01", due_time="10:00")
    assert "still to come" in alice.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)
    alice.post(f"/dashboard/requests/{request_id}/schedule", due_day="soon", due_time="10:00")
    assert "as a date" in alice.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)
    assert h.callbacks.get(request_id).due_at == 0


def test_the_request_page_shows_the_person_s_history(
    h: Hotline, person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    now = h.clock()
    first = file(h, at=now - 20 * 86400, key="first", lang="es", topic="helps")
    h.callbacks.claim(first, "bob", now - 20 * 86400)
    h.callbacks.close(
        first, "bob", CallbackOutcome.REACHED, "Habló con su médico.", now - 19 * 86400
    )
    second = file(h, at=now - 60, key="second")
    sam = person("sam", totp=totps["sam"])
    queue = sam.get("/dashboard/").get_data(as_text=True)
    assert re.search(r"2nd request; last: reached, \d+ \w{3}", cards(queue)[second])
    page = sam.get(f"/dashboard/requests/{second}").get_data(as_text=True)
    assert (
        "This person&#39;s other requests (1)" in page or "This person's other requests (1)" in page
    )
    assert "Spanish" in page and "Habló con su médico." in page and "bob: Reached" in page
    assert "How it can help" in page


def test_a_supervisor_hands_a_request_to_a_named_colleague(
    h: Hotline, person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    request_id = file(h)
    person("alice").post(f"/dashboard/requests/{request_id}/claim")
    sam = person("sam", totp=totps["sam"])
    sam.post(f"/dashboard/requests/{request_id}/reassign", to="bob")
    assert h.callbacks.get(request_id).held_by(h.clock()) == "bob"
    [entry] = h.audit.read(request=request_id, limit=1)
    assert (entry.action, entry.subject, entry.detail) == ("handover", "bob", "from alice")
    assert (
        person("alice").post(f"/dashboard/requests/{request_id}/reassign", to="alice").status_code
        == 403
    )


def test_the_language_filter_never_hides_an_urgent_request(
    h: Hotline, person: Callable[..., Staffer], totps: dict[str, pyotp.TOTP]
) -> None:
    english = file(h, "+12025550101", lang="en")
    spanish = file(h, "+12025550102", lang="es")
    urgent = file(h, "+12025550103", lang="en", urgent=True)
    sam = person("sam", totp=totps["sam"])
    sam.post("/dashboard/staff/alice/languages", languages="es")
    assert h.staff.get("alice").languages == ("es",)
    alice = person("alice")
    assert list(cards(alice.get("/dashboard/?lang=mine").get_data(as_text=True))) == [
        urgent,
        spanish,
    ]
    assert set(cards(alice.get("/dashboard/?lang=").get_data(as_text=True))) == {
        urgent,
        spanish,
        english,
    }
    assert list(cards(alice.get("/dashboard/?lang=en").get_data(as_text=True))) == [urgent, english]


def test_the_queue_is_paged_and_searched(h: Hotline, person: Callable[..., Staffer]) -> None:
    ids = [file(h, fictional(n), h.clock() - 1000 + n) for n in range(55)]
    alice = person("alice")
    first = alice.get("/dashboard/").get_data(as_text=True)
    assert len(cards(first)) == 50 and "Page 1 of 2" in first and "page=2" in first
    assert list(cards(alice.get("/dashboard/?page=2").get_data(as_text=True))) == ids[50:]
    assert list(cards(alice.get("/dashboard/?q=0107").get_data(as_text=True))) == [ids[7]]
    assert list(cards(alice.get(f"/dashboard/?q={ids[9]}").get_data(as_text=True))) == [ids[9]]
    assert "No open request matches" in alice.get("/dashboard/?q=9999").get_data(as_text=True)


def test_the_live_list_is_our_own_script_under_a_policy_that_grew_only_for_it(
    h: Hotline, person: Callable[..., Staffer]
) -> None:
    file(h)
    alice = person("alice")
    response = alice.get("/dashboard/")
    policy = response.headers["Content-Security-Policy"]
    assert policy == SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline'" not in policy.replace("style-src 'unsafe-inline'", "")
    page = response.get_data(as_text=True)
    assert '<script src="/dashboard/static/queue.js" defer></script>' in page
    assert re.search(
        r"<noscript><meta http-equiv=\"refresh\" content=\"60; url=/dashboard/\?auto=1", page
    )
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/dashboard/static/queue.js" defer>']
    with alice.client.get("/dashboard/static/queue.js") as script:
        assert script.status_code == 200 and "setTimeout(tick" in script.get_data(as_text=True)
    part = alice.get("/dashboard/?part=list&auto=1").get_data(as_text=True)
    assert "<html" not in part and 'data-title="(1) Queue · Hotline"' in part


def heads_up_texts(twilio: TwilioStandIn, number: str) -> list[str]:
    return [m.get("Body") for m in twilio.sent("message") if m.get("To") == number]


def test_call_sends_a_heads_up_only_to_the_number_that_asked_and_never_late(
    h: Hotline, person: Callable[..., Staffer], settings: Settings, twilio: TwilioStandIn
) -> None:
    own = file(h, "+12025550101", mention=Mention.DISCREET)
    spanish = file(h, "+12025550104", mention=Mention.CANCERCARE, lang="es")
    asked = callback_request("+12025550102", h.clock(), text_to="+12025550102", person="p2")
    other = h.callbacks.file("other", replace(asked, number="+12025550199")).id  # another number
    stopped = file(h, "+12025550103")
    h.store.record_opt_out(h.store.tag("+12025550103"))
    alice = person("alice")
    for request_id in (own, spanish, other, stopped):
        alice.post(f"/dashboard/requests/{request_id}/claim")
        alice.post(f"/dashboard/requests/{request_id}/call")
    run_jobs(settings)
    assert heads_up_texts(twilio, "+12025550101") == [
        "The call you asked for is coming now from 500-555-0006."
    ]
    [spoken] = heads_up_texts(twilio, "+12025550104")
    assert spoken.startswith("CancerCare: un trabajador social de oncologia le esta llamando ahora")
    assert heads_up_texts(twilio, "+12025550199") == heads_up_texts(twilio, "+12025550102") == []
    assert heads_up_texts(twilio, "+12025550103") == []
    assert len(twilio.sent("call")) == 4

    late = file(h, "+12025550105")
    queue = Queue(QUEUE, connection=h.redis, serializer=JSONSerializer)
    queue.enqueue_call(jobs.heads_up, args=(late, str(time.time() - 1)))
    run_jobs(settings)
    assert heads_up_texts(twilio, "+12025550105") == []
