"""Fault suite 1: forged webhooks. Thousands of generated requests Twilio did not sign, to every
Twilio route: every one refused (403), and Redis untouched: no key, no command at all, no job.
Correctly signed requests (directly, through a trusted proxy, against PUBLIC_BASE_URL) all pass.

Each test prints its figures (run with -s or -rA to see them).
"""

from __future__ import annotations

import os
import random
import string
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
import redis
from rq import Queue
from werkzeug.datastructures import MultiDict

from hotline.web.app import create_app
from tests.support import (
    ABROAD,
    ACCOUNT_SID,
    AUTH_TOKEN,
    INVALID,
    PREMIUM_900,
    PUBLIC_BASE_URL,
    WITHHELD,
    fictional,
    sign,
)

HOST = "hotline.example.org"
# What the test itself sends to Redis while checking: anything else in the stats came from the app.
OWN_COMMANDS = {"config", "info"}
# A route template: {n} is a step number.
ROUTES = (
    "/twilio/sms",
    "/twilio/voice",
    "/twilio/voice/step?n={n}",
    "/twilio/voice/step?n={n}&silence=1",
    "/twilio/voice/step?n={n}&dial=1",
    "/twilio/voice/connect",
    "/twilio/status",
)
OTHER_HOSTS = (
    "evil.example.org", "hotline.example.com", "example.org", "hotline.example.org.evil.net",
    "HOTLINE.example.org.", "127.0.0.1", "localhost", "hotline.example.org:8443",
)  # fmt: skip
BODIES = (
    "SECOND", "1", "2", "MENU", "STOP", "START", "HELP", "URGENT", "I want to die", "", " ",
    "segunda opinión", "😀", "x" * 1600, "<Response><Dial>+19005551212</Dial></Response>",
    "'; DROP TABLE --", "\u202eevil", "\x00\x01", "%00", "a=b&c=d",
)  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    """One HTTP request as it reaches the app: path with query, form, headers."""

    path: str
    form: MultiDict
    headers: dict[str, str]


@dataclass(frozen=True)
class Front:
    """How the app is deployed: what base URL Twilio signs, and what a proxy in front adds."""

    name: str
    public_base_url: str
    trust_proxy: bool
    forwarded: dict[str, str]  # headers the proxy adds (empty: no proxy)

    @property
    def signed_base(self) -> str:
        return self.public_base_url or f"https://{HOST}"


DIRECT = Front("PUBLIC_BASE_URL", PUBLIC_BASE_URL, False, {})
PROXIED = Front(
    "proxy (TRUST_PROXY, no PUBLIC_BASE_URL)",
    "",
    True,
    {"X-Forwarded-Proto": "https", "X-Forwarded-Host": HOST},
)
BOTH = Front(
    "proxy and PUBLIC_BASE_URL",
    PUBLIC_BASE_URL,
    True,
    {"X-Forwarded-Proto": "https", "X-Forwarded-Host": HOST},
)


def _word(rng: random.Random, size: int = 8) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))


def _number(rng: random.Random) -> str:
    return rng.choice(
        [fictional(rng.randrange(100)), INVALID, WITHHELD, "anonymous", ABROAD, PREMIUM_900]
    )


def _sid(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789abcdef") for _ in range(32))


def _route(rng: random.Random) -> str:
    return rng.choice(ROUTES).format(n=rng.randrange(0, 100))


def _params(rng: random.Random, path: str) -> MultiDict:
    """A plausible Twilio form for `path`, with random values."""
    base = {"AccountSid": ACCOUNT_SID, "To": "+15005550006", "ApiVersion": "2010-04-01"}
    if path.startswith("/twilio/sms"):
        sid = _sid(rng, "SM")
        form = {
            **base, "MessageSid": sid, "SmsSid": sid, "From": _number(rng),
            "Body": rng.choice(BODIES), "NumMedia": "0", "NumSegments": "1",
            "SmsStatus": "received",
        }  # fmt: skip
        if rng.random() < 0.2:
            form["OptOutType"] = rng.choice(["STOP", "START", "HELP"])
    else:
        form = {
            **base, "CallSid": _sid(rng, "CA"), "From": _number(rng),
            "CallStatus": rng.choice(["ringing", "in-progress", "completed"]),
            "Direction": "inbound",
        }  # fmt: skip
        if "dial=1" in path:
            form["DialCallStatus"] = rng.choice(["completed", "no-answer", "busy", "failed"])
        elif "step" in path and rng.random() < 0.7:
            if rng.random() < 0.5:
                form["Digits"] = rng.choice(["1", "2", "9", "0", "*", "#", "3035550199"])
            else:
                form["SpeechResult"] = rng.choice(BODIES)
                form["Confidence"] = f"{rng.random():.2f}"
    return MultiDict(form)


def signed(front: Front, path: str, form: MultiDict) -> Delivery:
    """The request Twilio would send, through `front`."""
    signature = sign(front.signed_base + path, form)
    return Delivery(path, form, {**front.forwarded, "X-Twilio-Signature": signature})


def _with_signature(delivery: Delivery, signature: str | None) -> Delivery:
    headers = {k: v for k, v in delivery.headers.items() if k != "X-Twilio-Signature"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return replace(delivery, headers=headers)


def _other_value(rng: random.Random, old: str) -> str:
    while True:
        new = rng.choice(
            [*BODIES, _word(rng, rng.randrange(1, 12)), old + "x", old[:-1], old.upper(), " " + old]
        )
        if new != old:
            return new


# A forgery: (rng, front, genuine request) -> the forged request. Each must differ from what
# Twilio signed in exactly the way its name says.
Forgery = Callable[[random.Random, Front, Delivery], Delivery]


def no_signature(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    return _with_signature(good, rng.choice([None, "", " ", "bm90IGEgc2lnbmF0dXJl", "=" * 28]))


def wrong_token(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    token = rng.choice([_word(rng, 32), AUTH_TOKEN.upper(), AUTH_TOKEN + " ", "", AUTH_TOKEN[:-1]])
    return _with_signature(good, sign(front.signed_base + good.path, good.form, token))


def changed_parameter(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    form = good.form.copy()
    name = rng.choice(list(form.keys()))
    form[name] = _other_value(rng, form[name])
    return replace(good, form=form)


def extra_parameter(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    form = good.form.copy()
    if rng.random() < 0.3:  # a second value for a parameter Twilio sent once
        name = rng.choice(list(form.keys()))
        form.add(name, _other_value(rng, form[name]))
    else:
        name = rng.choice(
            ["Digits", "Body", "OptOutType", "SpeechResult", "bodySHA256", _word(rng)]
        )
        if name in form:
            name = "X" + _word(rng)
        form.add(name, rng.choice(["1", "STOP", _word(rng), "0" * 64]))
    return replace(good, form=form)


def removed_parameter(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    form = good.form.copy()
    form.pop(rng.choice(list(form.keys())))
    return replace(good, form=form)


def another_host(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    host = rng.choice(OTHER_HOSTS)
    if front.trust_proxy and not front.public_base_url and rng.random() < 0.5:
        # Signed for our host, but the proxy says it arrived for another one. (Not merely on
        # another port of our host: Twilio's validator deliberately accepts a URL with or without
        # its port, so that is the same URL as far as a signature goes.)
        while host.split(":")[0] == HOST:
            host = rng.choice(OTHER_HOSTS)
        return replace(good, headers={**good.headers, "X-Forwarded-Host": host})
    return _with_signature(good, sign(f"https://{host}" + good.path, good.form))


def http_not_https(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    if front.trust_proxy and not front.public_base_url and rng.random() < 0.5:
        return replace(good, headers={**good.headers, "X-Forwarded-Proto": "http"})
    base = front.signed_base.replace("https://", "http://")
    return _with_signature(good, sign(base + good.path, good.form))


def other_routes_signature(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    while (other := _route(rng)) == good.path:
        pass
    return _with_signature(good, sign(front.signed_base + other, good.form))


def query_changed(rng: random.Random, front: Front, good: Delivery) -> Delivery:
    """The same signature, but the path's query string is not the one Twilio signed."""
    path, _, query = good.path.partition("?")
    pairs = [p for p in query.split("&") if p]
    options: list[Callable[[], str]] = [
        lambda: "&".join([*pairs, f"{_word(rng, 3)}=1"]),
        lambda: "&".join([*pairs, "silence=1"] if "silence=1" not in pairs else pairs[:1]),
    ]
    if pairs:
        options += [
            lambda: "&".join(reversed(pairs)) if len(pairs) > 1 else pairs[0] + "&",
            lambda: "&".join([f"n={rng.randrange(100, 1000)}", *pairs[1:]]),
            lambda: "&".join(pairs[1:]) or "n=",
            lambda: "&".join([pairs[0].replace("n=", "n=0"), *pairs[1:]]),
            lambda: "&".join([*pairs, "dial=1"] if "dial=1" not in pairs else pairs[:1]),
        ]
    while (new := rng.choice(options)()) == query:
        pass
    return replace(good, path=path + (f"?{new}" if new else ""))


FORGERIES: dict[str, Forgery] = {
    "no signature": no_signature,
    "wrong token": wrong_token,
    "one changed parameter": changed_parameter,
    "one extra parameter": extra_parameter,
    "one removed parameter": removed_parameter,
    "another host": another_host,
    "http instead of https": http_not_https,
    "another route's signature": other_routes_signature,
    "query string changed": query_changed,
}


def post(client, delivery: Delivery):
    return client.post(delivery.path, data=delivery.form, headers=delivery.headers)


def command_counts(connection: redis.Redis) -> dict[str, int]:
    """Calls per command since the last CONFIG RESETSTAT (e.g. {'evalsha': 3, 'set': 1})."""
    stats = connection.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(s["calls"]) for name, s in stats.items()}


def writes_among(connection: redis.Redis, commands: dict[str, int]) -> dict[str, int]:
    """Those of `commands` that write, or may (scripts, transactions): Redis' own flags say which."""
    if not commands:
        return {}
    names = sorted({name.split("|")[0] for name in commands})
    info = connection.execute_command("COMMAND", "INFO", *names)
    writing = {}
    for name, calls in commands.items():
        flags = set((info.get(name.split("|")[0]) or {}).get("flags", ()))
        if flags & {"write", "may_replicate"} or name in ("eval", "evalsha", "fcall", "exec"):
            writing[name] = calls
    return writing


def forge(count: int, seed: int, settings, redis_url: str) -> None:
    rng = random.Random(seed)
    fronts = [DIRECT, PROXIED, BOTH]
    apps = {f.name: create_app(replace(settings, public_base_url=f.public_base_url,
                                       trust_proxy=f.trust_proxy)) for f in fronts}  # fmt: skip
    clients = {name: app.test_client() for name, app in apps.items()}
    connection = redis.Redis.from_url(redis_url)
    assert connection.dbsize() == 0
    connection.config_resetstat()

    refused: Counter[tuple[str, str]] = Counter()
    answered: Counter[int] = Counter()
    leaks: list[tuple[str, str, int, bytes]] = []
    started = time.perf_counter()
    for i in range(count):
        front = fronts[i % len(fronts)]
        path = _route(rng)
        name, forgery = rng.choice(list(FORGERIES.items()))
        forged = forgery(rng, front, signed(front, path, _params(rng, path)))
        response = post(clients[front.name], forged)
        answered[response.status_code] += 1
        if response.status_code != 403 or b"Traceback" in response.data:
            leaks.append((name, forged.path, response.status_code, response.data[:200]))
        refused[(name, path.split("?")[0] + ("?n" if "?" in path else ""))] += 1
    elapsed = time.perf_counter() - started
    # Read the stats before anything else touches Redis: only the test's own commands may be there.
    commands = command_counts(connection)
    by_app = {c: n for c, n in commands.items() if c.split("|")[0] not in OWN_COMMANDS}
    writes = writes_among(connection, commands)
    keys = connection.dbsize()
    jobs = Queue("hotline", connection=connection).count

    print(f"\n[forgery] seed={seed}: {count} forged requests in {elapsed:.2f}s "
          f"({count / elapsed:.0f}/s) across {len(fronts)} deployments "
          f"({', '.join(f.name for f in fronts)})")  # fmt: skip
    print(f"[forgery] HTTP statuses: {dict(answered)}")
    by_forgery = Counter()
    by_route = Counter()
    for (name, route), n in refused.items():
        by_forgery[name] += n
        by_route[route] += n
    print("[forgery] by forgery: " + ", ".join(f"{k}: {v}" for k, v in sorted(by_forgery.items())))
    print("[forgery] by route:   " + ", ".join(f"{k}: {v}" for k, v in sorted(by_route.items())))
    print(f"[forgery] Redis after: dbsize={keys}, commands from the app={by_app or 'none'}, "
          f"write commands={writes or 'none'}, jobs queued={jobs}")  # fmt: skip

    assert not leaks, f"{len(leaks)} forged requests not refused, e.g. {leaks[:5]}"
    assert answered == {403: count}
    assert set(by_forgery) == set(FORGERIES) and len(by_route) == 5
    assert by_app == {}, f"forged requests reached Redis: {by_app}"
    assert writes == {} and keys == 0 and jobs == 0


def accept(count: int, seed: int, settings, redis_url: str) -> None:
    """Correctly signed requests, through every deployment: every one passes the check."""
    rng = random.Random(seed)
    fronts = [DIRECT, PROXIED, BOTH,
              replace(PROXIED, name="proxy on port 8443",
                      forwarded={**PROXIED.forwarded, "X-Forwarded-Port": "8443"})]  # fmt: skip
    passed: Counter[str] = Counter()
    bad: list[tuple[str, str, int]] = []
    for front in fronts:
        app = create_app(replace(settings, public_base_url=front.public_base_url,
                                 trust_proxy=front.trust_proxy))  # fmt: skip
        client = app.test_client()
        port = front.forwarded.get("X-Forwarded-Port")
        for _ in range(count // len(fronts)):
            path = _route(rng)
            form = _params(rng, path)
            base = front.signed_base + (f":{port}" if port else "")
            delivery = Delivery(
                path, form, {**front.forwarded, "X-Twilio-Signature": sign(base + path, form)}
            )
            response = post(client, delivery)
            expected = 204 if path == "/twilio/status" else 200
            if response.status_code != expected or b"Traceback" in response.data:
                bad.append((front.name, path, response.status_code))
                continue
            if expected == 200:
                assert ET.fromstring(response.data).tag == "Response"
            passed[front.name] += 1
    connection = redis.Redis.from_url(redis_url)
    print(f"\n[forgery] signed requests accepted: {dict(passed)}; refused: {len(bad)}; "
          f"Redis now holds {connection.dbsize()} keys (the check above was not vacuous)")  # fmt: skip
    assert not bad, bad[:10]
    assert connection.dbsize() > 0


def _seed() -> int:
    return int(os.environ.get("HOTLINE_FAULT_SEED", "0")) or random.randrange(10**9)


def test_three_thousand_forged_webhooks_are_refused_and_touch_nothing(settings, redis_url) -> None:
    forge(3000, 20261125, settings, redis_url)


def test_signed_webhooks_pass_directly_and_through_a_proxy(settings, redis_url) -> None:
    accept(400, 20261125, settings, redis_url)


@pytest.mark.slow
def test_a_hundred_thousand_forged_webhooks_with_a_fresh_seed(settings, redis_url) -> None:
    forge(100_000, _seed(), settings, redis_url)


@pytest.mark.slow
def test_signed_webhooks_pass_with_a_fresh_seed(settings, redis_url) -> None:
    accept(4000, _seed(), settings, redis_url)
