"""End to end: signed Twilio requests to the real app, with a real redis-server behind it."""

from __future__ import annotations

import redis

from flows.model import SwitchLanguage
from flows.segments import measure
from flows.sms import start_text
from hotline.web.resources import resources_of
from tests.support import (
    PUBLIC_BASE_URL,
    Phone,
    message_bodies,
    post_signed,
    send_at_once,
    sign,
    sms_params,
)


def test_second_starts_with_welcome_notice_and_menu(phone: Phone) -> None:
    [reply] = phone.text("  Second! ")
    assert reply.startswith("CancerCare Second Opinion line.")
    assert "not medical advice" in reply
    assert "1 Talk to your doctor" in reply


def test_every_part_is_reachable_and_every_reply_is_cheap(phone: Phone, flows) -> None:
    flow = flows["en"]
    replies = phone.text("OPINION")
    for option in flow.nodes["main"].options:
        if isinstance(
            option.target, SwitchLanguage
        ):  # the menu in Spanish, and 9 again for English
            spanish = phone.text(option.key)
            assert spanish == [start_text(flows["es"])]
            english = phone.text("9")
            assert english == [start_text(flow)]
            replies += spanish + english
            continue
        replies += phone.text(option.key)
        replies += [r for _ in flow.nodes[option.target.node].sms[1:] for r in phone.text("MORE")]
        replies += phone.text("MENU")
    joined = "\n".join(replies)
    for fact in (
        "1-800-422-6237",
        "800-813-4673",
        "I respect your opinion",
        "rare or unusual",
        "not responding",
        "radiation or surgical oncologist",
        "different medical institution",
    ):
        assert fact in joined
    for reply in replies:
        m = measure(reply)
        assert m.encoding == "GSM-7" and m.segments <= 2, reply


def test_unsigned_forged_and_wrong_url_requests_get_403(app, redis_url: str) -> None:
    client = app.test_client()
    params = sms_params("+12025550101", "SECOND", "SM" + "1" * 32)
    good = sign(PUBLIC_BASE_URL + "/twilio/sms", params)
    cases = [
        {},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Twilio-Signature": sign(PUBLIC_BASE_URL + "/twilio/sms", params, "wrong-token")},
        {"X-Twilio-Signature": sign("http://hotline.example.org/twilio/sms", params)},
    ]
    for headers in cases:
        assert client.post("/twilio/sms", data=params, headers=headers).status_code == 403
    tampered = {**params, "Body": "STOP"}
    assert (
        client.post("/twilio/sms", data=tampered, headers={"X-Twilio-Signature": good}).status_code
        == 403
    )
    assert redis.Redis.from_url(redis_url).dbsize() == 0
    assert (
        client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": good}).status_code
        == 200
    )


def test_signature_with_default_port_is_accepted(app) -> None:
    params = sms_params("+12025550101", "SECOND", "SM" + "2" * 32)
    signature = sign("https://hotline.example.org:443/twilio/sms", params)
    response = app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


def test_replayed_message_sid_gets_same_reply_without_a_second_step(phone: Phone, app) -> None:
    phone.text("SECOND")
    first = phone.text("1", sid="SM" + "a" * 32)
    again = phone.text("1", sid="SM" + "a" * 32)
    assert first == again and "awkward" in first[0]
    store = resources_of(app).store
    assert store.load("sms", phone.number).steps == 2
    assert "Things you can say" in phone.text("MORE")[0]


def test_fifty_messages_at_once_from_one_number_lose_no_update(app) -> None:
    phone = Phone(app.test_client(), "+12025550199")
    phone.text("SECOND")
    statuses = send_at_once(app, phone.number, "MENU", 50)
    assert statuses == [200] * 50
    assert resources_of(app).store.load("sms", phone.number).steps == 51


def test_after_stop_only_start_and_help_get_content(phone: Phone) -> None:
    phone.text("SECOND")
    assert phone.text("STOP") == []
    assert phone.text("SECOND") == []
    assert phone.text("1") == []
    assert "Reply STOP to end" in phone.text("HELP")[0]
    assert phone.text("START") == []  # Twilio itself confirms the re-subscription
    assert phone.text("SECOND")[0].startswith("CancerCare Second Opinion line.")


def test_opt_out_outlives_the_conversation(phone: Phone, app, redis_url: str) -> None:
    phone.text("SECOND")
    phone.text("stop")
    r = redis.Redis.from_url(redis_url)
    for key in r.keys("*:sms"):
        r.delete(key)
    assert phone.text("SECOND") == []


def test_a_record_in_another_format_starts_afresh(phone: Phone, redis_url: str, flows) -> None:
    """A record written by another version of the hotline (here the previous one's, a JSON
    object) restarts the conversation instead of failing every text until it expires."""
    phone.text("SECOND")
    r = redis.Redis.from_url(redis_url)
    [key] = r.keys("*:sms")
    r.set(key, '{"s":["en","main",0,1,0,0],"i":["SM1"]}', ex=3600)
    assert phone.text("1") == [start_text(flows["en"])]  # the menu again, not an apology
    assert phone.text("1")[0].startswith("Asking for a second opinion")


def test_anything_else_gets_sorry_and_the_menu(phone: Phone) -> None:
    phone.text("SECOND")
    for body in ("banana", "😀😀", "", "x" * 10_000, "99"):
        [reply] = phone.text(body)
        assert reply.startswith("Sorry, I didn't catch that.") and "1 Talk to your doctor" in reply


def test_conversation_keys_expire_and_hide_the_number(phone: Phone, redis_url: str) -> None:
    phone.text("SECOND")
    phone.text("STOP")
    r = redis.Redis.from_url(redis_url)
    keys = [k.decode() for k in r.keys("*")]
    assert keys and all(phone.number[1:] not in k and "2025550101" not in k for k in keys)
    for key in keys:
        assert r.ttl(key) > 0 or key.endswith(":optout"), key


def test_redis_down_gets_a_static_answer(settings) -> None:
    from dataclasses import replace

    from hotline.web.app import create_app

    app = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    params = sms_params("+12025550101", "SECOND", "SM" + "3" * 32)
    response = post_signed(app.test_client(), "/twilio/sms", params)
    assert response.status_code == 200
    [reply] = message_bodies(response.data)
    assert "800-813-4673" in reply
