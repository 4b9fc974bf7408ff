-- One transition of one instance, validated and recorded in a single step: read the state, check the
-- event's row of the machine (sent by the caller), write the new state, its version and a history entry.
-- Nothing from another client runs in between, so of two conflicting events exactly one is applied.
-- create() is the same script with from = {""}: "" stands for "the instance does not exist yet".
-- KEYS[1]  the instance: a hash { state, version, updatedAt }
-- KEYS[2]  its history: a list of JSON entries, entry i (0-based) is version i + 1
-- KEYS[3]  its request ids: a hash requestId -> the version that request produced
-- ARGV[1]  now, ms since the epoch (the caller's clock), recorded as updatedAt and the entry's `at`
-- ARGV[2]  request id: a call re-sent with the same id gets the first run's answer, applied once
-- ARGV[3]  event
-- ARGV[4]  the state the event leads to
-- ARGV[5]  the version the caller expects the instance to be at, or "" for "whatever it is"
-- ARGV[6..] the states the event is allowed from ("" = absent)
-- Returns {"applied", version, from, to, at, replayed 0|1}, or a rejection with nothing written:
--   {"illegal", state, version}   the event is not allowed in the current state ("" = absent, version 0)
--   {"conflict", state, version}  the version is not the expected one
--   {"reused", event, version}    this request id already produced `version` with another event
local now, requestId, event, to, expected = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

local done = redis.call('HGET', KEYS[3], requestId)
if done then
  local entry = cjson.decode(redis.call('LINDEX', KEYS[2], tonumber(done) - 1))
  if entry.event ~= event then return {'reused', entry.event, entry.version} end
  return {'applied', entry.version, entry.from, entry.to, entry.at, 1}
end

local current = redis.call('HMGET', KEYS[1], 'state', 'version')
local state = current[1] or ''
local version = tonumber(current[2] or '0')

if expected ~= '' and tonumber(expected) ~= version then return {'conflict', state, version} end

local allowed = false
for i = 6, #ARGV do
  if ARGV[i] == state then allowed = true break end
end
if not allowed then return {'illegal', state, version} end

local newVersion = version + 1
redis.call('HSET', KEYS[1], 'state', to, 'version', newVersion, 'updatedAt', now)
redis.call('RPUSH', KEYS[2], cjson.encode({
  version = newVersion, event = event, from = state, to = to, requestId = requestId, at = now,
}))
redis.call('HSET', KEYS[3], requestId, newVersion)
return {'applied', newVersion, state, to, now, 0}
