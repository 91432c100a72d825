"""CallbackQueue on a real Redis: filed once, claimed by one, closed as recorded, purged on time."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import redis

from hotline.stores.callbacks import (
    AlreadyClaimed,
    CallbackOutcome,
    CallbackQueue,
    CallbackRequest,
    Filed,
    NotYours,
    Status,
    UnknownRequest,
)

NOW = 1_800_000_000.0


def request(person: str = "p1", at: float = NOW, **changes) -> CallbackRequest:
    base = CallbackRequest(
        id="", person=person, number="+12025550101", channel="sms", lang="en", topic="find",
        window="morning", voicemail=False, urgent=False, requested_at=at, updated_at=at,
    )  # fmt: skip
    return replace(base, **changes)


@pytest.fixture
def queue(redis_url: str) -> CallbackQueue:
    return CallbackQueue(redis.Redis.from_url(redis_url), lease_seconds=60, retry_after=600)


def test_filing_twice_with_one_key_files_once(queue: CallbackQueue) -> None:
    first = queue.file("job-1", request())
    assert first.created is True
    assert queue.file("job-1", request()) == Filed(first.id, False)
    assert [r.id for r in queue.waiting(NOW)] == [first.id]


def test_asking_again_updates_the_open_request(queue: CallbackQueue) -> None:
    request_id = queue.file("job-1", request()).id
    again = queue.file("job-2", request(window="evening", voicemail=True, at=NOW + 50))
    assert again == Filed(request_id, False)
    [only] = queue.waiting(NOW + 60)
    assert (only.window, only.voicemail, only.requested_at) == ("evening", True, NOW)


def test_urgent_first_then_oldest_first(queue: CallbackQueue) -> None:
    old = queue.file("a", request("pa", at=NOW)).id
    new = queue.file("b", request("pb", at=NOW + 10)).id
    urgent = queue.file("c", request("pc", at=NOW + 20, urgent=True)).id
    assert [r.id for r in queue.waiting(NOW + 30)] == [urgent, old, new]


def test_an_urgent_second_ask_moves_the_request_to_the_front(queue: CallbackQueue) -> None:
    first = queue.file("a", request("pa", at=NOW)).id
    second = queue.file("b", request("pb", at=NOW + 10)).id
    queue.file("c", request("pb", at=NOW + 20, urgent=True))
    assert [r.id for r in queue.waiting(NOW + 30)] == [second, first]


def test_of_many_simultaneous_claims_exactly_one_wins(queue: CallbackQueue) -> None:
    request_id = queue.file("job", request()).id
    barrier = threading.Barrier(8)
    won: list[str] = []
    lost: list[str] = []

    def claim(user: str) -> None:
        barrier.wait()
        try:
            queue.claim(request_id, user, NOW)
            won.append(user)
        except AlreadyClaimed:
            lost.append(user)

    threads = [threading.Thread(target=claim, args=(f"sw{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 7
    assert queue.get(request_id).held_by(NOW) == won[0]


def test_an_expired_lease_returns_the_request_to_the_queue(queue: CallbackQueue) -> None:
    request_id = queue.file("job", request()).id
    queue.claim(request_id, "ana", NOW)
    with pytest.raises(AlreadyClaimed):
        queue.claim(request_id, "ben", NOW + 30)
    assert queue.get(request_id).held_by(NOW + 61) == ""
    assert queue.claim(request_id, "ben", NOW + 61).claimed_by == "ben"


def test_only_the_holder_closes_or_releases(queue: CallbackQueue) -> None:
    request_id = queue.file("job", request()).id
    queue.claim(request_id, "ana", NOW)
    with pytest.raises(NotYours):
        queue.close(request_id, "ben", CallbackOutcome.REACHED, "", NOW)
    with pytest.raises(NotYours):
        queue.release(request_id, "ben", NOW)
    assert queue.release(request_id, "ana", NOW).status is Status.OPEN


def test_no_answer_counts_attempts_and_closes_after_the_third(queue: CallbackQueue) -> None:
    request_id = queue.file("job", request()).id
    for attempt in (1, 2):
        queue.claim(request_id, "ana", NOW)
        done = queue.close(request_id, "ana", CallbackOutcome.NO_ANSWER, "rang out", NOW)
        assert (done.status, done.attempts, done.not_before) == (Status.OPEN, attempt, NOW + 600)
    queue.claim(request_id, "ana", NOW)
    last = queue.close(request_id, "ana", CallbackOutcome.NO_ANSWER, "", NOW)
    assert (last.status, last.attempts) == (Status.CLOSED, 3)
    assert queue.waiting(NOW) == []


def test_a_request_to_retry_later_sorts_after_the_others(queue: CallbackQueue) -> None:
    retry = queue.file("a", request("pa", at=NOW)).id
    queue.claim(retry, "ana", NOW)
    queue.close(retry, "ana", CallbackOutcome.NO_ANSWER, "", NOW)
    fresh = queue.file("b", request("pb", at=NOW + 5)).id
    assert [r.id for r in queue.waiting(NOW + 10)] == [fresh, retry]
    assert [r.id for r in queue.waiting(NOW + 700)] == [retry, fresh]


def test_after_closing_the_person_can_ask_again(queue: CallbackQueue) -> None:
    first = queue.file("a", request()).id
    queue.claim(first, "ana", NOW)
    queue.close(first, "ana", CallbackOutcome.REACHED, "talked", NOW)
    second = queue.file("b", request(at=NOW + 100))
    assert second.created and second.id != first
    with pytest.raises(UnknownRequest):
        queue.claim(first, "ana", NOW + 200)


def test_closed_requests_are_purged_after_the_retention(
    queue: CallbackQueue, redis_url: str
) -> None:
    request_id = queue.file("a", request()).id
    queue.claim(request_id, "ana", NOW)
    queue.close(request_id, "ana", CallbackOutcome.WRONG_NUMBER, "", NOW)
    assert queue.purge(NOW + queue.keep_closed - 1) == 0
    assert queue.purge(NOW + queue.keep_closed + 1) == 1
    assert queue.get(request_id) is None
    assert redis.Redis.from_url(redis_url).keys("hotline:cb:*") == []


def test_another_number_is_kept_beside_the_first_and_reported(queue: CallbackQueue) -> None:
    request_id = queue.file("a", request()).id
    changed = queue.file("b", replace(request(), number="+12125550199"))
    assert changed == Filed(request_id, False, "+12025550101")
    [only] = queue.waiting(NOW)
    assert (only.number, only.first_number) == ("+12125550199", "+12025550101")
    again = queue.file("c", replace(request(), number="+12125550188"))
    assert again.changed_from == "+12125550199"
    assert queue.get(request_id).first_number == "+12025550101"  # the first stays the first


def test_the_same_number_again_changes_nothing(queue: CallbackQueue) -> None:
    request_id = queue.file("a", request()).id
    assert queue.file("b", request(window="evening")) == Filed(request_id, False, "")
    assert queue.get(request_id).first_number == ""


def test_an_asker_who_may_not_change_leaves_the_open_request_alone(queue: CallbackQueue) -> None:
    request_id = queue.file("a", request()).id
    spoofed = replace(request(window="evening"), number="+12125550199")
    assert queue.file("b", spoofed, may_change=False) == Filed(request_id, False, "")
    [only] = queue.waiting(NOW)
    assert (only.number, only.window) == ("+12025550101", "morning")
