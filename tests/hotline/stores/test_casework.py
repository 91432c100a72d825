"""The workbench's store: queue order at read time, scheduled call backs, notes, a person's
history by keyed hash (purged with the request), hand-over, and the queue read a page at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest
import redis

from hotline.stores import keys
from hotline.stores.callbacks import (
    CallbackOutcome,
    CallbackQueue,
    CallbackRequest,
    Mention,
    NotYours,
    UnknownRequest,
)
from hotline.stores.history import CaseFiles
from hotline.stores.queue_page import PAGE_SIZE, Filters, QueueView

NOW = 1_800_000_000.0
DAY = 86400


def request(
    person: str, at: float = NOW, number: str = "+15551230001", **changes
) -> CallbackRequest:
    base = CallbackRequest(
        id="", person=person, number=number, channel="sms", lang="en", topic="find",
        window="morning", voicemail=False, urgent=False, requested_at=at, updated_at=at,
    )  # fmt: skip
    return replace(base, **changes)


@pytest.fixture
def connection(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def queue(connection: redis.Redis) -> CallbackQueue:
    return CallbackQueue(connection, lease_seconds=60, retry_after=600, keep_closed=30 * DAY)


@pytest.fixture
def view(connection: redis.Redis) -> QueueView:
    return QueueView(connection)


@pytest.fixture
def cases(connection: redis.Redis) -> CaseFiles:
    return CaseFiles(connection)


def shown(view: QueueView, now: float, **filters: object) -> list[str]:
    return [r.id for r in view.page(now, 1, Filters(**filters)).requests]  # type: ignore[arg-type]


def test_the_queue_is_urgent_then_treatment_soon_then_due_then_oldest(
    queue: CallbackQueue, view: QueueView
) -> None:
    oldest = queue.file("a", request("pa", NOW - 500)).id
    newer = queue.file("b", request("pb", NOW - 100)).id
    soon = queue.file("c", request("pc", NOW - 50, treatment_soon=True)).id
    urgent = queue.file("d", request("pd", NOW - 10, urgent=True)).id
    due = queue.file("e", request("pe", NOW - 20)).id
    later = queue.file("f", request("pf", NOW - 30)).id
    queue.schedule(due, "alice", NOW - 60, NOW - 3600, override=True)
    queue.schedule(later, "alice", NOW + DAY, NOW, override=True)
    assert shown(view, NOW) == [urgent, soon, due, oldest, newer]
    assert [r.id for r in queue.waiting(NOW)] == [urgent, soon, due, oldest, newer, later]
    page = view.page(NOW)
    assert (page.total, page.urgent, page.later) == (5, 1, 1)
    assert shown(view, NOW, later=True) == [later]
    # Decided when the queue is read: at its time, the scheduled one is due, ahead of the oldest.
    assert shown(view, NOW + DAY) == [urgent, soon, due, later, oldest, newer]


def test_no_answer_with_a_time_waits_until_then_and_comes_back_due(
    queue: CallbackQueue, view: QueueView
) -> None:
    plain = queue.file("a", request("pa", NOW - 900)).id
    missed = queue.file("b", request("pb", NOW - 100)).id
    queue.claim(missed, "alice", NOW)
    tomorrow_ten = NOW + DAY
    after = queue.close(missed, "alice", CallbackOutcome.NO_ANSWER, "", NOW, tomorrow_ten)
    assert (after.attempts, after.due_at, after.not_before, after.claimed_by) == (
        1,
        tomorrow_ten,
        0,
        "",
    )
    assert shown(view, NOW + 60) == [plain]
    assert shown(view, tomorrow_ten) == [missed, plain]


def test_scheduling_is_for_the_holder_or_a_supervisor(queue: CallbackQueue) -> None:
    request_id = queue.file("a", request("pa")).id
    with pytest.raises(NotYours):
        queue.schedule(request_id, "alice", NOW + DAY, NOW)  # nobody holds it
    queue.claim(request_id, "alice", NOW)
    with pytest.raises(NotYours):
        queue.schedule(request_id, "bob", NOW + DAY, NOW)
    held = queue.schedule(request_id, "alice", NOW + DAY, NOW)
    assert (held.due_at, held.held_by(NOW)) == (NOW + DAY, "")
    assert (
        queue.schedule(request_id, "sam", NOW + 2 * DAY, NOW, override=True).due_at == NOW + 2 * DAY
    )


def test_notes_are_added_never_edited_newest_first(queue: CallbackQueue, cases: CaseFiles) -> None:
    request_id = queue.file("a", request("pa")).id
    with pytest.raises(NotYours):
        queue.add_note(request_id, "alice", "not mine yet", NOW)
    queue.claim(request_id, "alice", NOW)
    queue.add_note(request_id, "alice", "Left no message.", NOW + 1)
    queue.add_note(request_id, "sam", "<b>Call after 3</b>", NOW + 2, override=True)
    queue.close(request_id, "alice", CallbackOutcome.REACHED, "Talked it through.", NOW + 3)
    case = cases.case(request_id)
    assert [(n.by, n.text) for n in case.notes] == [
        ("alice", "Talked it through."), ("sam", "<b>Call after 3</b>"), ("alice", "Left no message."),
    ]  # fmt: skip
    assert [(a.by, a.outcome) for a in case.attempts] == [("alice", CallbackOutcome.REACHED)]
    assert case.request.note == "Talked it through."
    with pytest.raises(UnknownRequest):
        queue.add_note(request_id, "sam", "too late", NOW + 4, override=True)


def ask_and_close(
    queue: CallbackQueue, person: str, at: float, outcome: CallbackOutcome, note: str
) -> str:
    request_id = queue.file(f"{person}-{at}", request(person, at)).id
    queue.claim(request_id, "alice", at + 60)
    queue.close(request_id, "alice", outcome, note, at + 120)
    return request_id


def test_a_person_s_history_is_found_by_the_keyed_hash_and_purged_with_the_request(
    queue: CallbackQueue, view: QueueView, cases: CaseFiles, connection: redis.Redis
) -> None:
    first = ask_and_close(queue, "pa", NOW - 40 * DAY, CallbackOutcome.WRONG_NUMBER, "")
    second = ask_and_close(queue, "pa", NOW - 10 * DAY, CallbackOutcome.REACHED, "Sent the list.")
    other = queue.file("b", request("pb", NOW - 5, number="+15551230002")).id
    now = queue.file("c", request("pa", NOW)).id
    page = view.page(NOW)
    assert (page.earlier[now].count, page.earlier[now].outcome) == (2, CallbackOutcome.REACHED)
    assert page.earlier[now].at == NOW - 10 * DAY + 120
    assert page.earlier[other].count == 0
    history = cases.history(cases.case(now).request)
    assert [c.request.id for c in history] == [second, first]
    assert [n.text for n in history[0].notes] == ["Sent the list."]
    assert [a.outcome for a in history[1].attempts] == [CallbackOutcome.WRONG_NUMBER]
    assert not any(
        v.startswith(b"+1") for v in connection.zrange(keys.callback_history("pa"), 0, -1)
    )

    assert queue.purge(NOW) == 1  # the first closed 40 days ago; kept 30
    assert [c.request.id for c in cases.history(cases.case(now).request)] == [second]
    assert not connection.exists(keys.callback_notes(first), keys.callback_attempts(first))
    assert view.page(NOW).earlier[now].count == 1


def test_asking_again_keeps_the_contact_answers_and_treatment_soon_only_rises(
    queue: CallbackQueue,
) -> None:
    asked = request("pa", mention=Mention.CANCERCARE, first_name="Ana", treatment_soon=True)
    request_id = queue.file("a", asked).id
    queue.file("b", request("pa", NOW + 5, urgent=True))  # an urgent ask asks none of them
    again = queue.get(request_id)
    assert (again.mention, again.first_name, again.treatment_soon, again.urgent) == (
        Mention.CANCERCARE, "Ana", True, True,
    )  # fmt: skip
    queue.file("c", request("pa", NOW + 9, mention=Mention.DISCREET))
    assert queue.get(request_id).mention is Mention.DISCREET


def test_a_hand_over_replaces_the_holder(queue: CallbackQueue) -> None:
    request_id = queue.file("a", request("pa")).id
    queue.claim(request_id, "alice", NOW)
    held, before = queue.hand_over(request_id, "bob", NOW + 1)
    assert (held.held_by(NOW + 1), before) == ("bob", "alice")
    assert queue.hand_over(request_id, "alice", NOW + 1000)[1] == ""  # bob's lease lapsed


def test_the_queue_is_paged_searched_and_filtered_without_hiding_urgent_ones(
    queue: CallbackQueue, view: QueueView
) -> None:
    ids = [
        queue.file(
            f"k{n}",
            request(f"p{n}", NOW - 1000 + n, f"+1555123{n:04d}", lang="es" if n % 2 else "en"),
        ).id
        for n in range(PAGE_SIZE * 2 + 5)
    ]
    urgent = queue.file("u", request("pu", NOW, "+15559999999", urgent=True, lang="en")).id
    first, third = view.page(NOW, 1), view.page(NOW, 3)
    assert (first.pages, len(first.requests), len(third.requests)) == (3, PAGE_SIZE, 6)
    assert [r.id for r in first.requests[:2]] == [urgent, ids[0]]
    assert view.page(NOW, 99).page == 3
    spanish = view.page(NOW, 1, Filters(langs=frozenset({"es"})))
    assert spanish.total == PAGE_SIZE + 3 and spanish.requests[0].id == urgent
    assert {r.lang for r in spanish.requests[1:]} == {"es"}
    assert shown(view, NOW, search="0042") == [ids[42]]
    assert shown(view, NOW, search=ids[7].upper()) == [ids[7]]
    assert shown(view, NOW, search="12") == []


def test_a_page_takes_two_round_trips_however_long_the_queue(
    queue: CallbackQueue, view: QueueView, connection: redis.Redis
) -> None:
    for n in range(300):
        queue.file(f"k{n}", request(f"p{n}", NOW - n, f"+1555123{n:04d}"))
    view.page(NOW)  # the scripts are loaded once
    before = connection.info("stats")["total_reads_processed"]
    assert len(view.page(NOW).requests) == PAGE_SIZE
    reads = connection.info("stats")["total_reads_processed"] - before - 1  # less this INFO
    assert reads <= 3  # rows, then one pipeline (redis-py may first ask whether the script exists)
