"""The call-back queue's Lua scripts: each change to a request is one atomic script."""

# KEYS: new request hash, person pointer, open index.
# ARGV: id, score, urgent head start, the request hashes' key prefix, '1' if the asker may change
# an open request, then field/value pairs.
# Asking again updates what the person can change (the time, voicemail, and the number: the
# first number stays on the request beside the new one, and its id is returned so that the
# asker's phone is told); status, claim and attempts are left alone. Returns {id, created,
# number changed from}. The script reads the person's current request by a key it builds
# itself, so the queue wants a plain Redis (or Sentinel), not a Cluster.
FILE = """
local UPDATABLE = {channel=1, lang=1, topic=1, window=1, voicemail=1, updated_at=1}
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
      elseif UPDATABLE[name] or (name == 'urgent' and value == '1') then
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
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('SET', KEYS[2], ARGV[1])
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

# KEYS: request hash, open index, closed index, person pointer.
# ARGV: user, now, outcome, note, retry_after, max_attempts, id, release-only flag.
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
local attempts = tonumber(r[4] or '0')
if ARGV[3] == 'no_answer' then attempts = attempts + 1 end
redis.call('HSET', KEYS[1], 'attempts', attempts, 'outcome', ARGV[3], 'note', ARGV[4],
  'claimed_by', '', 'lease_until', '0', 'updated_at', ARGV[2])
if ARGV[3] == 'no_answer' and attempts < tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'status', 'open', 'not_before', tonumber(ARGV[2]) + tonumber(ARGV[5]))
  return 'ok'
end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[7])
if redis.call('GET', KEYS[4]) == ARGV[7] then redis.call('DEL', KEYS[4]) end
return 'ok'
"""
