-- Start a job that BLMOVE has just moved into this worker's processing list: count the attempt,
-- record the lease (who holds it) and its deadline (the visibility timeout).
-- KEYS[1]  jobs hash (job id -> payload JSON)
-- KEYS[2]  attempts hash (job id -> attempts started so far)
-- KEYS[3]  leases hash (job id -> "<lease token>|<full name of the processing list>")
-- KEYS[4]  deadlines sorted set (member = job id, score = lease deadline in ms)
-- KEYS[5]  unclaimed hash (job id -> when the reaper first saw it unclaimed; see reap-10.lua)
-- ARGV[1]  job id
-- ARGV[2]  lease token (random, new for every claim)
-- ARGV[3]  full key name of this worker's processing list (with any client key prefix)
-- ARGV[4]  lease deadline in ms since the epoch
-- Returns {payload, attempt} or false when the job is no longer in this worker's list (a reaper
-- took it back) or its payload is gone.
-- Idempotent: ioredis re-sends a command whose reply a connection reset lost. The second run finds
-- this very lease (same token) and answers the same, without counting the attempt again.
-- The processing list is named in ARGV, not KEYS: it is only known per worker, and it shares the
-- queue's {hash tag}, so it lives in the same cluster slot as the declared keys.
if not redis.call('LPOS', ARGV[3], ARGV[1]) then
  return false
end
local lease = ARGV[2] .. '|' .. ARGV[3]
if redis.call('HGET', KEYS[3], ARGV[1]) == lease then
  local held = redis.call('HGET', KEYS[1], ARGV[1])
  if not held then
    return false
  end
  return {held, tonumber(redis.call('HGET', KEYS[2], ARGV[1]))}
end
local payload = redis.call('HGET', KEYS[1], ARGV[1])
if not payload then
  redis.call('LREM', ARGV[3], 1, ARGV[1])
  redis.call('HDEL', KEYS[5], ARGV[1])
  return false
end
local attempt = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[3], ARGV[1], lease)
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return {payload, attempt}
