-- The reaper, one atomic pass:
--  1. delayed jobs whose due time has come move to the ready list;
--  2. jobs whose lease deadline passed (their worker died, hung or is too slow) leave that worker's
--     processing list and are retried, or dead-lettered once out of attempts;
--  3. workers whose heartbeat expired: ids in their processing list that were never claimed (the
--     worker died between BLMOVE and claim) go back to the ready list. Claimed ids stay until step 2
--     reaches their deadline; the worker entry goes once its list is empty.
-- KEYS[1]  delayed sorted set    KEYS[2]  deadlines sorted set  KEYS[3]  leases hash
-- KEYS[4]  attempts hash         KEYS[5]  ready list            KEYS[6]  dead-letter list
-- KEYS[7]  errors hash           KEYS[8]  stats hash            KEYS[9]  workers sorted set
--          (member = full name of a worker's processing list, score = heartbeat deadline in ms)
-- ARGV[1]  now (ms)    ARGV[2]  max attempts    ARGV[3]  retry delay (ms)    ARGV[4]  batch limit
-- Returns {promoted, retried, deadLettered, orphansReturned}.
local now = tonumber(ARGV[1])
local maxAttempts = tonumber(ARGV[2])
local delay = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])

local promoted = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('LPUSH', KEYS[5], id)
  promoted = promoted + 1
end

local retried, dead = 0, 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)) do
  local lease = redis.call('HGET', KEYS[3], id)
  if lease then
    local sep = string.find(lease, '|', 1, true)
    redis.call('LREM', string.sub(lease, sep + 1), 1, id)
  end
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HSET', KEYS[7], id, 'visibility timeout: not acknowledged before its lease deadline')
  local attempts = tonumber(redis.call('HGET', KEYS[4], id) or '0')
  if attempts >= maxAttempts then
    redis.call('LPUSH', KEYS[6], id)
    redis.call('HINCRBY', KEYS[8], 'dead', 1)
    dead = dead + 1
  else
    if delay > 0 then
      redis.call('ZADD', KEYS[1], now + delay, id)
    else
      redis.call('LPUSH', KEYS[5], id)
    end
    redis.call('HINCRBY', KEYS[8], 'retried', 1)
    retried = retried + 1
  end
end

local orphans = 0
for _, list in ipairs(redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', now, 'LIMIT', 0, limit)) do
  for _, id in ipairs(redis.call('LRANGE', list, 0, -1)) do
    local lease = redis.call('HGET', KEYS[3], id)
    local held = lease and string.sub(lease, string.find(lease, '|', 1, true) + 1) == list
    if not held then
      redis.call('LREM', list, 1, id)
      redis.call('RPUSH', KEYS[5], id)
      orphans = orphans + 1
    end
  end
  if redis.call('LLEN', list) == 0 then
    redis.call('ZREM', KEYS[9], list)
  end
end

return {promoted, retried, dead, orphans}
