"""Settings, read once from the environment into a frozen value; bad values fail fast and clearly."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flows import phones
from hotline.office import OfficeHours

TWILIO_API = "https://api.twilio.com"
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$", re.ASCII)
_CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$", re.ASCII)
OFFICE_HOURS = "mon-fri 09:00-17:00"
OFFICE_TIMEZONE = "America/New_York"
SENTINEL_MASTER = "hotline"  # the name Sentinel monitors the queue's Redis under, by default


def parse_sentinels(text: str) -> tuple[tuple[str, int], ...]:
    """'10.0.0.1:26379,10.0.0.2:26379' -> ((host, port), ...); ValueError naming a bad entry."""
    found = []
    for entry in filter(None, (e.strip() for e in text.split(","))):
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS: {entry!r} is not host:port")
        found.append((host, int(port)))
    return tuple(found)


class SettingsError(ValueError):
    """The environment is missing a setting or has a bad one."""


@dataclass(frozen=True)
class WhatsAppTemplate:
    """A pre-approved WhatsApp template standing in for one of the content's texts in one
    language, for a message started more than 24 hours after the person last wrote."""

    text: (
        str  # the content's text it stands for: checkin, checkin_offer_after_call, callback_missed
    )
    lang: str
    content_sid: str  # Twilio's ContentSid, HX and 32 hex digits
    variables: str = ""  # ContentVariables, JSON ('' for none)


def parse_templates(raw: str) -> tuple[WhatsAppTemplate, ...]:
    """WHATSAPP_TEMPLATES: JSON {"<text>": {"<lang>": {"sid": "HX…", "variables": {"1": "…"}}}}."""
    if not raw.strip():
        return ()
    try:
        found = [
            WhatsAppTemplate(name, lang, str(given["sid"]), _variables(given.get("variables")))
            for name, langs in json.loads(raw).items()
            for lang, given in langs.items()
        ]
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"WHATSAPP_TEMPLATES is not the JSON it should be: {exc!r}") from None
    if any(not _CONTENT_SID.match(t.content_sid) for t in found):
        raise ValueError("WHATSAPP_TEMPLATES: every sid must be HX followed by 32 hex digits")
    return tuple(found)


def _variables(given: object) -> str:
    """A template's ContentVariables as JSON ('' for none); TypeError if not an object."""
    if given in (None, {}):
        return ""
    if not isinstance(given, dict):
        raise TypeError("variables must be an object")
    return json.dumps(given)


@dataclass(frozen=True)
class Settings:
    """Everything the hotline is configured with. Only `from_env` reads the environment."""

    redis_url: str  # the queue, RQ and staff accounts ('' when Sentinel finds that Redis)
    twilio_auth_token: str
    secret_key: str
    redis_sentinels: tuple[tuple[str, int], ...] = ()  # Sentinels to ask for the queue's master
    redis_sentinel_master: str = SENTINEL_MASTER
    twilio_account_sid: str = ""
    twilio_phone_number: str = ""
    twilio_api_base_url: str = TWILIO_API
    public_base_url: str = ""
    trust_proxy: bool = False
    conversation_ttl: int = 24 * 3600
    social_worker_line: str = "+18008134673"
    office_hours: OfficeHours = field(
        default_factory=lambda: OfficeHours.parse(OFFICE_HOURS, OFFICE_TIMEZONE)
    )
    staff_alert_numbers: tuple[str, ...] = ()
    sms_per_minute: int = 20  # texts one number may send a minute before we stop answering
    texts_per_hour: int = 500  # outbound texts the whole hotline may send an hour
    conversation_redis_url: str = ""  # conversations and opt-outs; '' = the same Redis as the queue
    conversation_redis_cluster: bool = False
    closed_callback_days: int = 30
    twilio_senders: tuple[str, ...] = ()  # the hotline's other numbers (a WhatsApp sender, say)
    withheld_callbacks_per_hour: int = 10  # call-back requests from calls with no caller ID, in all
    texts_per_number_hour: int = 3  # texts one number may be sent an hour beyond replies
    staff_idle_minutes: int = 15  # a dashboard session unused this long ends
    staff_session_hours: int = 12  # and any session ends this long after log-in, however used
    staff_require_2fa: bool = False  # social workers too (supervisors and admins always)
    audit_days: int = 400  # the audit trail's entries are kept in Redis this long
    login_hashes_per_second: int = 2  # password checks one web process does a second, at most
    whatsapp_sender: str = ""  # the hotline's WhatsApp number (E.164), '' for no WhatsApp
    whatsapp_templates: tuple[WhatsAppTemplate, ...] = ()
    report_days: int = 400  # days the report's counts are kept
    metrics_token: str = ""  # bearer token for /metrics ('' = no /metrics at all)
    metrics_dir: str = ""  # PROMETHEUS_MULTIPROC_DIR: gunicorn's processes share metrics there

    def own_numbers(self) -> frozenset[str]:
        """The numbers people reach the hotline on ('' when TWILIO_PHONE_NUMBER is unset)."""
        own = {self.twilio_phone_number, self.whatsapp_sender, *self.twilio_senders}
        return frozenset(own - {""})

    def template(self, text: str, lang: str) -> WhatsAppTemplate | None:
        """The WhatsApp template configured for `text` in `lang`, if any."""
        return next((t for t in self.whatsapp_templates if (t.text, t.lang) == (text, lang)), None)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Parse `env` (normally os.environ); raise SettingsError naming every problem."""
        problems = [
            f"{name} is not set"
            for name in ("TWILIO_AUTH_TOKEN", "HOTLINE_SECRET")
            if not env.get(name)
        ]
        try:
            sentinels = parse_sentinels(env.get("REDIS_SENTINELS", ""))
        except ValueError as exc:
            problems.append(str(exc))
            sentinels = ()
        if not env.get("REDIS_URL") and not sentinels:
            problems.append("REDIS_URL (or REDIS_SENTINELS) is not set")
        sid = env.get("TWILIO_ACCOUNT_SID", "")
        if sid and not _ACCOUNT_SID.match(sid):
            problems.append("TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits")
        whatsapp = env.get("WHATSAPP_SENDER", "")
        if whatsapp and not phones.is_e164(whatsapp):
            problems.append("WHATSAPP_SENDER must be an E.164 number such as +18005551212")
        alerts, senders = _numbers(env, "STAFF_ALERT_NUMBERS"), _numbers(env, "TWILIO_SENDERS")
        # The hotline's own numbers are Twilio's to judge, so only their form is checked: the
        # hotline sends from them, never to them, and flows.phones would refuse Twilio's test
        # numbers (+1 500 555 0006 is a "personal" number to libphonenumber) and any range
        # opened after its metadata was made.
        own = env.get("TWILIO_PHONE_NUMBER", "")
        if own and not phones.is_e164(own):
            problems.append("TWILIO_PHONE_NUMBER must be an E.164 number such as +18005551212")
        if not all(phones.is_e164(n) for n in senders):
            problems.append("TWILIO_SENDERS must be E.164 numbers separated by commas")
        # Numbers the hotline dials or texts: the rule for anyone's.
        line = env.get("SOCIAL_WORKER_LINE") or cls.social_worker_line
        if why := _refused((line,)):
            problems.append(
                "SOCIAL_WORKER_LINE must be a US or Canadian number in E.164 such as "
                f"+18005551212: it is {why}"
            )
        if why := _refused(alerts):
            problems.append(
                "STAFF_ALERT_NUMBERS must be US or Canadian numbers in E.164, separated by "
                f"commas: one is {why}"
            )
        numbers = {
            name: env.get(name, str(default))
            for name, default in (
                ("CLOSED_CALLBACK_DAYS", cls.closed_callback_days),
                ("SMS_PER_MINUTE", cls.sms_per_minute),
                ("TEXTS_PER_HOUR", cls.texts_per_hour),
                ("WITHHELD_CALLBACKS_PER_HOUR", cls.withheld_callbacks_per_hour),
                ("TEXTS_PER_NUMBER_HOUR", cls.texts_per_number_hour),
                ("STAFF_IDLE_MINUTES", cls.staff_idle_minutes),
                ("STAFF_SESSION_HOURS", cls.staff_session_hours),
                ("AUDIT_DAYS", cls.audit_days),
                ("LOGIN_HASHES_PER_SECOND", cls.login_hashes_per_second),
                ("REPORT_DAYS", cls.report_days),
            )
        }
        problems += [
            f"{name} must be a whole number" for name, v in numbers.items() if not v.isdigit()
        ]
        problems += [
            f"{name} must be at least 1"
            for name in (
                "SMS_PER_MINUTE",  # 0 would lift the flood limit altogether
                "STAFF_IDLE_MINUTES",
                "STAFF_SESSION_HOURS",
                "LOGIN_HASHES_PER_SECOND",
                "REPORT_DAYS",  # 0 would expire every count at once
            )
            if numbers[name].isdigit() and int(numbers[name]) == 0
        ]
        ttl = env.get("CONVERSATION_TTL", str(cls.conversation_ttl))
        if not ttl.isdigit() or int(ttl) <= 0:
            problems.append("CONVERSATION_TTL must be a whole number of seconds")
        try:
            office = OfficeHours.parse(
                env.get("OFFICE_HOURS", OFFICE_HOURS),
                env.get("OFFICE_TIMEZONE", OFFICE_TIMEZONE),
                env.get("OFFICE_HOLIDAYS", ""),
            )
        except ValueError as exc:
            problems.append(f"OFFICE_HOURS/OFFICE_TIMEZONE/OFFICE_HOLIDAYS: {exc}")
        try:
            templates = parse_templates(env.get("WHATSAPP_TEMPLATES", ""))
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise SettingsError("bad settings: " + "; ".join(problems))
        return cls(
            redis_url="" if sentinels else env["REDIS_URL"],
            twilio_auth_token=env["TWILIO_AUTH_TOKEN"],
            secret_key=env["HOTLINE_SECRET"],
            redis_sentinels=sentinels,
            redis_sentinel_master=env.get("REDIS_SENTINEL_MASTER") or SENTINEL_MASTER,
            twilio_account_sid=sid,
            twilio_phone_number=env.get("TWILIO_PHONE_NUMBER", ""),
            twilio_api_base_url=env.get("TWILIO_API_BASE_URL", TWILIO_API).rstrip("/"),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            trust_proxy=_flag(env, "TRUST_PROXY"),
            conversation_ttl=int(ttl),
            social_worker_line=line,
            office_hours=office,
            staff_alert_numbers=alerts,
            conversation_redis_url=env.get("CONVERSATION_REDIS_URL", ""),
            conversation_redis_cluster=_flag(env, "CONVERSATION_REDIS_CLUSTER"),
            closed_callback_days=int(numbers["CLOSED_CALLBACK_DAYS"]),
            sms_per_minute=int(numbers["SMS_PER_MINUTE"]),
            texts_per_hour=int(numbers["TEXTS_PER_HOUR"]),
            twilio_senders=senders,
            withheld_callbacks_per_hour=int(numbers["WITHHELD_CALLBACKS_PER_HOUR"]),
            texts_per_number_hour=int(numbers["TEXTS_PER_NUMBER_HOUR"]),
            staff_idle_minutes=int(numbers["STAFF_IDLE_MINUTES"]),
            staff_session_hours=int(numbers["STAFF_SESSION_HOURS"]),
            staff_require_2fa=_flag(env, "STAFF_REQUIRE_2FA"),
            audit_days=int(numbers["AUDIT_DAYS"]),
            login_hashes_per_second=int(numbers["LOGIN_HASHES_PER_SECOND"]),
            whatsapp_sender=env.get("WHATSAPP_SENDER", ""),
            whatsapp_templates=templates,
            report_days=int(numbers["REPORT_DAYS"]),
            metrics_token=env.get("METRICS_TOKEN", ""),
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR", ""),
        )


def _refused(numbers: tuple[str, ...]) -> str:
    """Why the first of `numbers` the hotline may not call or text is refused ('' if none is)."""
    verdicts = (phones.judge(n) for n in numbers)
    return next((phones.REFUSED_BECAUSE[v] for v in verdicts if v in phones.REFUSED_BECAUSE), "")


def _numbers(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of numbers from `env`."""
    return tuple(n.strip() for n in env.get(name, "").split(",") if n.strip())


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no setting: 1, true or yes means yes."""
    return env.get(name, "").lower() in ("1", "true", "yes")
