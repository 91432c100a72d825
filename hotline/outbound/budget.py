"""What the hotline may text: an hourly budget for all, with a share kept for what must go out,
and a cap per recipient so that no caller ID can spend it on one number.

Replies to a person's own texts are TwiML, not counted here; these are the texts the hotline
starts: parts sent after "press 9", confirmations, staff alerts, final notices.
"""

from __future__ import annotations

import time
from enum import StrEnum

import redis

from hotline.settings import Settings
from hotline.stores import keys

# Confirmations of call-back requests and staff alerts may use the whole budget; everything
# else stops at 80% of it, so a flood of "press 9" texts cannot crowd them out.
RESERVED_SHARE = 0.2
HOUR = 3600

# KEYS: the recipient's counter, the hour's counter. ARGV: recipient cap (0: none), hour limit, ttl.
_SPEND = """
local mine = 0
if tonumber(ARGV[1]) > 0 then
  mine = redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  if mine > tonumber(ARGV[1]) then return 'recipient' end
end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then
  if mine > 0 then redis.call('DECR', KEYS[1]) end
  return 'hour'
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 'ok'
"""


class Spent(StrEnum):
    """The answer to asking for one text."""

    OK = "ok"
    RECIPIENT = "recipient"  # this number has had its share this hour: not sent
    HOUR = "hour"  # the hour's budget (for this kind of text) is spent


class OverBudget(Exception):
    """A text that must go out found the hour's budget spent: send it at `retry_at`."""

    def __init__(self, retry_at: float) -> None:
        super().__init__("the hour's text budget is spent")
        self.retry_at = retry_at


def spend(
    connection: redis.Redis,
    settings: Settings,
    tag: str,
    reserved: bool = False,
    capped: bool = True,
    now: float | None = None,
) -> Spent:
    """Count one text to the person behind `tag`, if the budgets allow it.

    `reserved` texts (confirmations, staff alerts) may use the whole hourly budget; others stop
    short of it. `capped` texts count against the recipient's hourly cap (staff alerts do not).
    """
    hour = int((time.time() if now is None else now) // HOUR)
    limit = settings.texts_per_hour
    if not reserved:
        limit = int(limit * (1 - RESERVED_SHARE))
    cap = settings.texts_per_number_hour if capped else 0
    names = [keys.texts_to(tag, hour), keys.texts_sent(hour)]
    answer = connection.eval(_SPEND, 2, *names, cap, limit, 2 * HOUR)
    return Spent(answer.decode() if isinstance(answer, bytes) else answer)


def next_hour(now: float | None = None) -> float:
    """When the next hour's budget opens."""
    return (int((time.time() if now is None else now) // HOUR) + 1) * HOUR
