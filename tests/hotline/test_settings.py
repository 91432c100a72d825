"""hotline.settings: the environment parsed into Settings, and every problem named at once."""

from __future__ import annotations

import pytest

from flows.phones import REFUSED_BECAUSE, Verdict
from hotline.office import OfficeHours
from hotline.settings import (
    SENTINEL_MASTER,
    TWILIO_API,
    Settings,
    SettingsError,
    parse_sentinels,
)

ABROAD, INVALID, PREMIUM = Verdict.ABROAD, Verdict.INVALID, Verdict.PREMIUM
MINIMAL = {"REDIS_URL": "redis://localhost:6379/0", "TWILIO_AUTH_TOKEN": "t", "HOTLINE_SECRET": "s"}


def problems(**env: str) -> str:
    """The message `from_env` refuses MINIMAL changed by `env` with ('' drops a variable)."""
    merged = {k: v for k, v in {**MINIMAL, **env}.items() if v != ""}
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(merged)
    message = str(refused.value)
    assert message.startswith("bad settings: ")
    return message.removeprefix("bad settings: ")


def test_the_minimal_environment_gives_the_defaults() -> None:
    settings = Settings.from_env(MINIMAL)
    assert settings == Settings(
        redis_url="redis://localhost:6379/0", twilio_auth_token="t", secret_key="s"
    )
    assert settings.twilio_api_base_url == TWILIO_API
    assert settings.redis_sentinel_master == SENTINEL_MASTER
    assert settings.office_hours == OfficeHours.parse("mon-fri 09:00-17:00", "America/New_York")
    assert (settings.sms_per_minute, settings.texts_per_hour, settings.closed_callback_days) == (
        20,
        500,
        30,
    )


def test_every_setting_is_read() -> None:
    env = {
        **MINIMAL,
        "TWILIO_ACCOUNT_SID": "AC" + "aB3" * 10 + "00",
        "TWILIO_PHONE_NUMBER": "+15005550006",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9999/",
        "PUBLIC_BASE_URL": "https://hotline.example.org/",
        "TRUST_PROXY": "Yes",
        "CONVERSATION_TTL": "600",
        "SOCIAL_WORKER_LINE": "+18005551212",
        "OFFICE_HOURS": "mon-thu 08:00-18:00",
        "OFFICE_TIMEZONE": "America/Chicago",
        "OFFICE_HOLIDAYS": "2026-12-25",
        "STAFF_ALERT_NUMBERS": " +13125550101 ,, +13125550102",
        "SMS_PER_MINUTE": "7",
        "TEXTS_PER_HOUR": "90",
        "CLOSED_CALLBACK_DAYS": "3",
        "CONVERSATION_REDIS_URL": "redis://conversations:6379/0",
        "CONVERSATION_REDIS_CLUSTER": "1",
        "REDIS_SENTINEL_MASTER": "queue",
    }
    s = Settings.from_env(env)
    assert s.twilio_account_sid == env["TWILIO_ACCOUNT_SID"]
    assert s.twilio_phone_number == "+15005550006"
    assert s.twilio_api_base_url == "http://127.0.0.1:9999"  # trailing slashes dropped
    assert s.public_base_url == "https://hotline.example.org"
    assert s.trust_proxy is True and s.conversation_redis_cluster is True
    assert s.conversation_ttl == 600 and s.social_worker_line == "+18005551212"
    assert s.office_hours == OfficeHours.parse(
        "mon-thu 08:00-18:00", "America/Chicago", "2026-12-25"
    )
    assert s.staff_alert_numbers == ("+13125550101", "+13125550102")
    assert (s.sms_per_minute, s.texts_per_hour, s.closed_callback_days) == (7, 90, 3)
    assert s.conversation_redis_url == "redis://conversations:6379/0"
    assert s.redis_sentinel_master == "queue"


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), ("true", True), ("YES", True), ("0", False), ("on", False), ("", False)],
)
def test_switches(value: str, on: bool) -> None:
    settings = Settings.from_env(
        {**MINIMAL, "TRUST_PROXY": value, "CONVERSATION_REDIS_CLUSTER": value}
    )
    assert settings.trust_proxy is on and settings.conversation_redis_cluster is on


def test_sentinels_replace_the_queues_redis_url() -> None:
    env = {k: v for k, v in MINIMAL.items() if k != "REDIS_URL"}
    settings = Settings.from_env({**env, "REDIS_SENTINELS": "10.0.0.1:26379, [::1]:26380"})
    assert settings.redis_sentinels == (("10.0.0.1", 26379), ("[::1]", 26380))
    assert settings.redis_url == ""
    both = Settings.from_env({**MINIMAL, "REDIS_SENTINELS": "10.0.0.1:26379"})
    assert both.redis_url == "" and both.redis_sentinels == (("10.0.0.1", 26379),)


def test_empty_optional_values_fall_back_to_their_defaults() -> None:
    settings = Settings.from_env({**MINIMAL, "SOCIAL_WORKER_LINE": "", "REDIS_SENTINEL_MASTER": ""})
    assert settings.social_worker_line == Settings.social_worker_line
    assert settings.redis_sentinel_master == SENTINEL_MASTER


def test_parse_sentinels() -> None:
    assert parse_sentinels("") == ()
    assert parse_sentinels("a:1,,b:2 ,") == (("a", 1), ("b", 2))
    for bad in ("a", ":1", "a:b", "a:"):
        with pytest.raises(ValueError, match="is not host:port"):
            parse_sentinels(f"ok:1,{bad}")


def test_the_hotlines_own_numbers_need_only_be_written_in_e164() -> None:
    """Twilio's test numbers are no line the hotline would call; it never calls its own."""
    own = {"TWILIO_PHONE_NUMBER": "+15005550006", "TWILIO_SENDERS": "+15005550009,+15551230001"}
    s = Settings.from_env({**MINIMAL, **own})
    assert s.own_numbers() == {"+15005550006", "+15005550009", "+15551230001"}


def test_numbers_the_hotline_dials_or_texts_are_us_or_canadian() -> None:
    fine = {"SOCIAL_WORKER_LINE": "+14165550123", "STAFF_ALERT_NUMBERS": "+18005550100"}
    assert Settings.from_env({**MINIMAL, **fine}).social_worker_line == "+14165550123"
    line = "SOCIAL_WORKER_LINE must be a US or Canadian number in E.164 such as +18005551212: "
    assert problems(SOCIAL_WORKER_LINE="+19005550123") == line + "it is " + REFUSED_BECAUSE[PREMIUM]
    assert problems(SOCIAL_WORKER_LINE="+15005550006") == line + "it is " + REFUSED_BECAUSE[PREMIUM]
    alerts = "STAFF_ALERT_NUMBERS must be US or Canadian numbers in E.164, separated by commas: "
    refused = [("+442079460123", ABROAD), ("+18765550123", ABROAD), ("+15551230001", INVALID)]
    for number, why in refused:
        named = problems(STAFF_ALERT_NUMBERS=f"+12025550101,{number}")
        assert named == alerts + "one is " + REFUSED_BECAUSE[why]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN is not set"),
        ({"HOTLINE_SECRET": ""}, "HOTLINE_SECRET is not set"),
        ({"REDIS_URL": ""}, "REDIS_URL (or REDIS_SENTINELS) is not set"),
        ({"REDIS_SENTINELS": "10.0.0.1"}, "REDIS_SENTINELS: '10.0.0.1' is not host:port"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits"),
        ({"TWILIO_ACCOUNT_SID": "AC" + "g" * 32}, "TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits"),
        ({"TWILIO_PHONE_NUMBER": "5005550006"}, "TWILIO_PHONE_NUMBER must be an E.164 number such as +18005551212"),
        ({"TWILIO_SENDERS": "+15005550009,whatsapp:+15005550009"}, "TWILIO_SENDERS must be E.164 numbers separated by commas"),
        ({"SOCIAL_WORKER_LINE": "1-800-813-HOPE"}, "SOCIAL_WORKER_LINE must be a US or Canadian number in E.164 such as +18005551212: it is not a valid phone number"),
        ({"STAFF_ALERT_NUMBERS": "+13125550101,555"}, "STAFF_ALERT_NUMBERS must be US or Canadian numbers in E.164, separated by commas: one is not a valid phone number"),
        ({"CLOSED_CALLBACK_DAYS": "thirty"}, "CLOSED_CALLBACK_DAYS must be a whole number"),
        ({"SMS_PER_MINUTE": "2.5"}, "SMS_PER_MINUTE must be a whole number"),
        ({"SMS_PER_MINUTE": "0"}, "SMS_PER_MINUTE must be at least 1"),
        ({"TEXTS_PER_HOUR": "-1"}, "TEXTS_PER_HOUR must be a whole number"),
        ({"CONVERSATION_TTL": "1h"}, "CONVERSATION_TTL must be a whole number of seconds"),
        ({"CONVERSATION_TTL": "0"}, "CONVERSATION_TTL must be a whole number of seconds"),
        ({"OFFICE_HOURS": "weekdays"}, "OFFICE_HOURS/OFFICE_TIMEZONE/OFFICE_HOLIDAYS: office hours 'weekdays' should look like 'mon-fri 09:00-17:00'"),
        ({"OFFICE_HOURS": "mon 17:00-09:00"}, "OFFICE_HOURS/OFFICE_TIMEZONE/OFFICE_HOLIDAYS: office hours 'mon 17:00-09:00' run backwards"),
        ({"OFFICE_TIMEZONE": "New York"}, "OFFICE_HOURS/OFFICE_TIMEZONE/OFFICE_HOLIDAYS: unknown time zone 'New York'"),
        ({"OFFICE_HOLIDAYS": "Christmas"}, "OFFICE_HOURS/OFFICE_TIMEZONE/OFFICE_HOLIDAYS: Invalid isoformat string: 'Christmas'"),
    ],
)  # fmt: skip
def test_each_problem_is_named(env: dict[str, str], message: str) -> None:
    assert problems(**env) == message


def test_every_problem_is_named_at_once() -> None:
    named = problems(
        TWILIO_AUTH_TOKEN="",
        HOTLINE_SECRET="",
        REDIS_URL="",
        SMS_PER_MINUTE="x",
        OFFICE_TIMEZONE="Nowhere",
    )
    assert named.split("; ") == [
        "TWILIO_AUTH_TOKEN is not set",
        "HOTLINE_SECRET is not set",
        "REDIS_URL (or REDIS_SENTINELS) is not set",
        "SMS_PER_MINUTE must be a whole number",
        "OFFICE_HOURS/OFFICE_TIMEZONE/OFFICE_HOLIDAYS: unknown time zone 'Nowhere'",
    ]


def test_sentinels_that_are_only_commas_name_the_missing_redis() -> None:
    """REDIS_SENTINELS=',' counts as set, parses to no Sentinel, and REDIS_URL is then read."""
    assert "REDIS_URL (or REDIS_SENTINELS) is not set" in problems(
        REDIS_URL="", REDIS_SENTINELS=","
    )
