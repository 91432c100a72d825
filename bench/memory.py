"""Redis memory per stored conversation: the first people through the app, the rest copied."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import redis

from bench.lab import Lab
from bench.webhooks import SMS_SCRIPT, VoicePath, new_sid, number
from flows.engine import step as engine_step
from flows.model import Channel, Event
from hotline.stores import keys
from hotline.stores.conversations import REMEMBERED_IDS, short_id
from hotline.stores.record import Record

STORED_STEPS = 3  # steps into a conversation
VERIFIED = 50  # stored conversations written by the app itself, and compared


@dataclass(frozen=True)
class Memory:
    """Redis memory for stored conversations of one kind."""

    per_record: float  # used_memory growth per conversation, records only
    per_person: float  # with every other key the app keeps for the person
    count: int
    record: str  # the record's key name after the person's tag
    record_sizes: tuple[int, int, int]  # key bytes, value bytes, MEMORY USAGE
    extras: list[tuple[str, int, str, int]]  # other keys: name, ttl ms, type, MEMORY USAGE


class Batches:
    """Commands sent a thousand to a pipeline."""

    def __init__(self, conn: redis.Redis) -> None:
        self.pipe = conn.pipeline(transaction=False)

    def add(self, *command: object) -> None:
        self.pipe.execute_command(*command)
        if len(self.pipe) >= 1000:
            self.pipe.execute()

    def flush(self) -> None:
        self.pipe.execute()


def _but_window_start(raw: bytes) -> Record:
    """A conversation record, its rate window's start (the second it began) left out."""
    record = Record.decode(raw.decode(), False)
    return replace(record, window=(0, record.window[1]))


class MemoryProbe:
    """Stores `n` calls, then `n` SMS conversations, each STORED_STEPS in, and weighs them.

    Each kind grows Redis's key tables itself (calls first: they keep no short-lived key).
    """

    def __init__(self, lab: Lab, notes: list[str]) -> None:
        self.lab = lab
        self.conn = lab.hotline.redis
        self.ttl = lab.hotline.settings.conversation_ttl
        self.notes = notes

    def measure(self, n: int, voice_path: VoicePath) -> dict[str, Memory]:
        signer, flows = self.lab.signer, self.lab.hotline.flows
        script = SMS_SCRIPT[:STORED_STEPS]
        sids = [[new_sid("SM") for _ in script] for _ in range(n)]
        texters = [number("memsms", i) for i in range(n)]
        # The store's own algorithm (ConversationStore.advance) without Redis: the new state, the
        # last message ids (short), the state before and the rate window (started now, three
        # messages in); checked against what the app wrote for the first ones.
        raw = ""
        for body in script:
            record = Record.decode(raw, False)
            state = engine_step(flows, record.state, Event(Channel.SMS, text=body)).state
            before_last = record.state
            raw = Record(state, (), before_last).encode()
        started = int(time.time())

        def sms_record(i: int) -> str:
            ids = tuple(short_id(sid) for sid in sids[i][-REMEMBERED_IDS:])
            return Record(state, ids, before_last, (started, len(script))).encode()

        steps = voice_path[:STORED_STEPS]
        callers = [number("memvoice", i) for i in range(n)]
        calls = [new_sid("CA") for _ in range(n)]
        # A call's record holds its state and step numbers, no ids: the same for every call at
        # the same point of the same script, so the app's own value is copied.
        voice = self.store_people(
            "voice calls", callers,
            lambda i: [(path, signer.voice_params(callers[i], calls[i], extra))
                       for path, extra in steps],
            lambda i: {"<CallSid>": short_id(calls[i])}, "voice:<CallSid>", None,
        )  # fmt: skip
        sms = self.store_people(
            "SMS conversations", texters,
            lambda i: [("/twilio/sms", signer.sms_params(texters[i], body, sid))
                       for body, sid in zip(script, sids[i], strict=True)],
            lambda i: {}, "sms", sms_record,
        )  # fmt: skip
        return {"voice calls": voice, "SMS conversations": sms}

    def store_people(
        self,
        kind: str,
        who: list[str],
        requests: Callable[[int], list[tuple[str, dict[str, str]]]],
        names: Callable[[int], dict[str, str]],
        conversation: str,
        computed: Callable[[int], str] | None,
    ) -> Memory:
        """Store the conversations of `who`, and Redis memory before and after.

        The first VERIFIED go through the app's webhooks; the others get every key the app wrote
        under such a person's hash tag: the record (`conversation`) as `computed(i)`, checked
        against the app's, or (None) as the app's own value, which must then be the same for
        everyone; any other key as a DUMP/RESTORE copy of the first person's, remaining TTL
        included. `names(i)` maps placeholders in key names to person i's values (a CallSid).
        Memory is read after the records and again after the other keys, which are then deleted
        (short-lived ones would otherwise expire under the next measurement).
        """
        conn, ttl, n = self.conn, self.ttl, len(who)
        verified = min(VERIFIED, n)
        before, keys_before = self.used_memory(), conn.dbsize()
        for i in range(verified):
            for path, params in requests(i):
                self.lab.post(path, params)
        templates: dict[str, tuple[bytes, int]] = {}
        for i in range(verified):
            found = self.person_keys(who[i], names(i), conversation)
            templates = templates or found
            if set(found) != set(templates):
                raise SystemExit(f"{kind}: the app wrote keys {sorted(found)} for one person "
                                 f"and {sorted(templates)} for another")  # fmt: skip
            value, pttl = found.get(conversation, (b"", 0))
            if computed is not None:
                expected = computed(i).encode()
                if _but_window_start(value) != _but_window_start(expected) or not (
                    (ttl - 60) * 1000 < pttl <= ttl * 1000
                ):
                    raise SystemExit(f"{kind}: the app wrote {value!r} (ttl {pttl} ms), the "
                                     f"benchmark would write {expected!r}")  # fmt: skip
            elif value != templates[conversation][0]:
                raise SystemExit(f"{kind}: records differ between people: {value!r} vs "
                                 f"{templates[conversation][0]!r}")  # fmt: skip
        if conversation not in templates:
            raise SystemExit(f"{kind}: the app wrote no {conversation!r} key: {sorted(templates)}")
        grown = conn.dbsize() - keys_before
        if grown != verified * len(templates):
            self.notes.append(f"{kind}: the app wrote {grown} keys for {verified} people, not "
                              f"{len(templates)} each under their hash tag")  # fmt: skip

        def key(i: int, suffix: str) -> str:
            for placeholder, value in names(i).items():
                suffix = suffix.replace(placeholder, value)
            return keys.of_person(self.lab.hotline.store.tag(who[i]), suffix)

        shared_value = templates[conversation][0]
        pipe = Batches(conn)
        for i in range(verified, n):
            value = computed(i) if computed else shared_value
            pipe.add("SET", key(i, conversation), value, "PX", ttl * 1000)
        pipe.flush()
        middle = self.used_memory()
        others = {s: v for s, v in templates.items() if s != conversation}
        for i in range(verified, n):
            for suffix, (dump, pttl) in others.items():
                pipe.add("RESTORE", key(i, suffix), max(pttl, 0), dump)
        pipe.flush()
        after = self.used_memory()

        def usage(suffix: str) -> int:
            return conn.memory_usage(key(0, suffix), samples=0) or 0

        extras = [(s, pttl, conn.type(key(0, s)).decode(), usage(s))
                  for s, (_, pttl) in sorted(others.items())]  # fmt: skip
        record = key(0, conversation)
        for suffix in others:
            for i in range(n):
                pipe.add("DEL", key(i, suffix))
        pipe.flush()
        sizes = (len(record), conn.strlen(record), usage(conversation))
        return Memory((middle - before) / n, (after - before) / n, n, conversation, sizes, extras)

    def person_keys(
        self, who: str, names: dict[str, str], conversation: str
    ) -> dict[str, tuple[bytes, int]]:
        """{key name after the person's tag, placeholders put back: (value, PTTL)}.

        The value is the string itself for the conversation record, a DUMP for any other key.
        """
        conn = self.conn
        prefix = keys.of_person(self.lab.hotline.store.tag(who), "")
        found = {}
        for raw in conn.scan_iter(match=prefix + "*", count=10000):
            full = raw.decode()
            suffix = full[len(prefix) :]
            for placeholder, value in names.items():
                suffix = suffix.replace(value, placeholder)
            if suffix == conversation:
                if conn.type(full) != b"string":
                    raise SystemExit(f"the app keeps {full} as a {conn.type(full)!r}")
                found[suffix] = (conn.get(full), conn.pttl(full))
            else:
                found[suffix] = (conn.dump(full), conn.pttl(full))
        return found

    def used_memory(self) -> int:
        time.sleep(1.0)  # let Redis finish rehashing a grown key table (a cron job) first
        return self.conn.info("memory")["used_memory"]
