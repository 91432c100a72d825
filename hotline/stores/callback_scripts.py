"""The call-back queue's Lua scripts: each change to a request is one atomic script."""

# KEYS: new request hash, person pointer, open index, the person's history.
# ARGV: id, score, urgent head start, the request hashes' key prefix, '1' if the asker may change
# an open request, then field/value pairs.
# Asking again updates what the person can change (the time, voicemail, and the number: the
# first number stays on the request beside the new one, and its id is returned so that the
# asker's phone is told); urgency and treatment-soon only ever rise, and a contact answer or a
# first name replaces one only when given; status, claim and attempts are left alone. Returns
# {id, created, number changed from}. The script reads the person's current request by a key it
# builds itself, so the queue wants a plain Redis (or Sentinel), not a Cluster.
FILE = """
local UPDATABLE = {channel=1, lang=1, topic=1, window=1, voicemail=1, updated_at=1}
local RISING = {urgent=1, treatment_soon=1}
local IF_GIVEN = {mention=1, first_name=1}
if redis.call('EXISTS', KEYS[1]) == 1 then return {ARGV[1], 0, ''} end
local current = redis.call('GET', KEYS[2])
if current then
  local key = ARGV[4] .. current
  local status = redis.call('HGET', key, 'status')
  if status and status ~= 'closed' then
    if ARGV[5] ~= '1' then return {current, 0, ''} end
    local changed = ''
    for i = 6, #ARGV, 2 do
      local name, value = ARGV[i], ARGV[i + 1]
      if name == 'number' then
        local old = redis.call('HGET', key, 'number')
        if old ~= value then
          if (redis.call('HGET', key, 'first_number') or '') == '' then
            redis.call('HSET', key, 'first_number', old)
          end
          redis.call('HSET', key, 'number', value)
          changed = old
        end
      elseif UPDATABLE[name] or (RISING[name] and value == '1') or (IF_GIVEN[name] and value ~= '') then
        redis.call('HSET', key, name, value)
      end
    end
    if redis.call('HGET', key, 'urgent') == '1' then
      local since = tonumber(redis.call('HGET', key, 'requested_at'))
      redis.call('ZADD', KEYS[3], since - tonumber(ARGV[3]), current)
    end
    return {current, 0, changed}
  end
end
local requested_at = 0
for i = 6, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  if ARGV[i] == 'requested_at' then requested_at = tonumber(ARGV[i + 1]) end
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[4], requested_at, ARGV[1])
return {ARGV[1], 1, ''}
"""

# KEYS: request hash. ARGV: user, now, lease_until.
CLAIM = """
local r = redis.call('HMGET', KEYS[1], 'status', 'claimed_by', 'lease_until')
if not r[1] or r[1] == 'closed' then return 'gone' end
if r[1] == 'claimed' and tonumber(r[3]) > tonumber(ARGV[2]) and r[2] ~= ARGV[1] then return 'taken' end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'claimed_by', ARGV[1], 'lease_until', ARGV[3])
return 'ok'
"""

# KEYS: request hash, open index, closed index, person pointer, notes, attempts.
# ARGV: user, now, outcome, note, retry_after, max_attempts, id, release-only flag, due time
# (0: none). An outcome is logged as an attempt and its note as a note. No answer before the
# last attempt reopens the request: due at the time the worker chose, else retried after a wait.
CLOSE = """
local r = redis.call('HMGET', KEYS[1], 'status', 'claimed_by', 'lease_until', 'attempts', 'person')
if not r[1] or r[1] == 'closed' then return 'gone' end
local live = r[1] == 'claimed' and tonumber(r[3]) > tonumber(ARGV[2])
if live and r[2] ~= ARGV[1] then return 'notyours' end
if ARGV[8] == '1' then
  if not live then return 'notyours' end
  redis.call('HSET', KEYS[1], 'status', 'open', 'claimed_by', '', 'lease_until', '0')
  return 'ok'
end
local now = tonumber(ARGV[2])
local attempts = tonumber(r[4] or '0')
if ARGV[3] == 'no_answer' then attempts = attempts + 1 end
redis.call('LPUSH', KEYS[6], cjson.encode({at=now, by=ARGV[1], outcome=ARGV[3]}))
if ARGV[4] ~= '' then
  redis.call('LPUSH', KEYS[5], cjson.encode({at=now, by=ARGV[1], text=ARGV[4]}))
  redis.call('HSET', KEYS[1], 'note', ARGV[4])
end
redis.call('HSET', KEYS[1], 'attempts', attempts, 'outcome', ARGV[3],
  'claimed_by', '', 'lease_until', '0', 'updated_at', ARGV[2])
if ARGV[3] == 'no_answer' and attempts < tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'status', 'open')
  if tonumber(ARGV[9]) > 0 then
    redis.call('HSET', KEYS[1], 'due_at', ARGV[9], 'not_before', '0')
  else
    redis.call('HSET', KEYS[1], 'not_before', now + tonumber(ARGV[5]), 'due_at', '0')
  end
  return 'ok'
end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[7])
if redis.call('GET', KEYS[4]) == ARGV[7] then redis.call('DEL', KEYS[4]) end
return 'ok'
"""

# Who may change an open request: its holder, or (ARGV 'override' = '1') a supervisor.
_MAY_CHANGE = """
local r = redis.call('HMGET', KEYS[1], 'status', 'claimed_by', 'lease_until')
if not r[1] or r[1] == 'closed' then return 'gone' end
local live = r[1] == 'claimed' and tonumber(r[3]) > tonumber(ARGV[2])
local mine = live and r[2] == ARGV[1]
if not mine and ARGV[3] ~= '1' then return 'notyours' end
"""

# KEYS: request hash. ARGV: user, now, override, due time.
# The request waits, unclaimed, until it is due (the queue leaves it out until then).
SCHEDULE = (
    _MAY_CHANGE
    + """
redis.call('HSET', KEYS[1], 'due_at', ARGV[4], 'not_before', '0', 'status', 'open',
  'claimed_by', '', 'lease_until', '0', 'updated_at', ARGV[2])
return 'ok'
"""
)

# KEYS: request hash, notes. ARGV: user, now, override, text. Notes are only ever added.
NOTE = (
    _MAY_CHANGE
    + """
redis.call('LPUSH', KEYS[2], cjson.encode({at=tonumber(ARGV[2]), by=ARGV[1], text=ARGV[4]}))
redis.call('HSET', KEYS[1], 'note', ARGV[4])
return 'ok'
"""
)

# KEYS: request hash. ARGV: colleague, now, lease_until. Their claim replaces the holder's;
# returns {'ok', the holder it replaced ('' for nobody)}.
HAND_OVER = """
local r = redis.call('HMGET', KEYS[1], 'status', 'claimed_by', 'lease_until')
if not r[1] or r[1] == 'closed' then return {'gone', ''} end
local holder = ''
if r[1] == 'claimed' and tonumber(r[3]) > tonumber(ARGV[2]) then holder = r[2] end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'claimed_by', ARGV[1], 'lease_until', ARGV[3])
return {'ok', holder}
"""

# KEYS: open index. ARGV: the request hashes' key prefix.
# What ordering, filtering and searching the whole queue needs, in one round trip and one string
# (cheap to send and to split): a line per open request, its fields separated by tabs: id,
# urgent, treatment_soon, due_at, not_before, requested_at, lang, the number's last four digits.
ROWS = """
local rows = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'urgent', 'treatment_soon', 'due_at',
    'not_before', 'requested_at', 'lang', 'number')
  if f[5] then
    rows[#rows + 1] = table.concat({id, f[1] or '0', f[2] or '0', f[3] or '0', f[4] or '0', f[5],
      f[6] or '', string.sub(f[7] or '', -4)}, '\\t')
  end
end
return table.concat(rows, '\\n')
"""

# ARGV: the history keys' prefix, the request hashes' key prefix, then request ids.
# Per request: {earlier requests of the same person, the last one's outcome, when it ended}.
SUMMARY = """
local found = {}
for i = 3, #ARGV do
  local r = redis.call('HMGET', ARGV[2] .. ARGV[i], 'person', 'requested_at')
  local earlier = {}
  if r[1] and r[2] then
    earlier = redis.call('ZRANGEBYSCORE', ARGV[1] .. r[1], '-inf', '(' .. r[2])
  end
  local last = {'', '0'}
  if #earlier > 0 then
    local f = redis.call('HMGET', ARGV[2] .. earlier[#earlier], 'outcome', 'updated_at')
    last = {f[1] or '', f[2] or '0'}
  end
  found[#found + 1] = {#earlier, last[1], last[2]}
end
return found
"""
