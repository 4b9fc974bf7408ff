-- The reaper, one atomic pass:
--  1. delayed jobs whose due time has come move to the ready list;
--  2. jobs whose lease deadline passed (their worker died, hung or is too slow) leave that worker's
--     processing list and are retried, or dead-lettered once out of attempts;
--  3. ids in a registered worker's processing list that nobody claimed (BLMOVE moved them, but the
--     reply or the claim got lost, or the worker died in between) go back to the ready list: at once
--     when the worker's heartbeat expired, else once they have sat unclaimed for `grace` ms (a live
--     worker claims within a round trip; the first sight is only recorded). Returning an id a worker
--     is about to claim is safe: claim checks the id is still in its list, atomically.
--     A registration is removed only when it expired and its list is empty. Expiry is judged on
--     Redis's clock (heartbeat-1.lua), and a worker never lets a BLMOVE outlive its registration, so
--     no BLMOVE can still move an id into a list after the list was dropped from the sweep.
-- KEYS[1]  delayed sorted set    KEYS[2]  deadlines sorted set  KEYS[3]  leases hash
-- KEYS[4]  attempts hash         KEYS[5]  ready list            KEYS[6]  dead-letter list
-- KEYS[7]  errors hash           KEYS[8]  stats hash            KEYS[9]  workers sorted set
--          (member = full name of a worker's processing list, score = heartbeat deadline, server ms)
-- KEYS[10] unclaimed hash (job id -> "<queue clock ms when first seen unclaimed>|<list>")
-- ARGV[1]  now (ms, the queue's clock)   ARGV[2]  max attempts    ARGV[3]  retry delay (ms)
-- ARGV[4]  batch limit                   ARGV[5]  grace for unclaimed ids of live workers (ms)
-- Returns {promoted, retried, deadLettered, orphansReturned}.
local now = tonumber(ARGV[1])
local maxAttempts = tonumber(ARGV[2])
local delay = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])

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

local time = redis.call('TIME')
local serverNow = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local orphans = 0
local workers = redis.call('ZRANGE', KEYS[9], 0, limit - 1, 'WITHSCORES')
for i = 1, #workers, 2 do
  local list, alive = workers[i], tonumber(workers[i + 1]) > serverNow
  for _, id in ipairs(redis.call('LRANGE', list, 0, -1)) do
    local lease = redis.call('HGET', KEYS[3], id)
    local held = lease and string.sub(lease, string.find(lease, '|', 1, true) + 1) == list
    if not held then
      local giveBack = not alive
      if alive then
        local seen = redis.call('HGET', KEYS[10], id)
        local sep = seen and string.find(seen, '|', 1, true)
        if seen and string.sub(seen, sep + 1) == list then
          giveBack = now - tonumber(string.sub(seen, 1, sep - 1)) >= grace
        else
          redis.call('HSET', KEYS[10], id, ARGV[1] .. '|' .. list)
        end
      end
      if giveBack then
        redis.call('LREM', list, 1, id)
        redis.call('RPUSH', KEYS[5], id)
        redis.call('HDEL', KEYS[10], id)
        orphans = orphans + 1
      end
    end
  end
  if not alive and redis.call('LLEN', list) == 0 then
    redis.call('ZREM', KEYS[9], list)
    redis.call('DEL', list .. ':receipts')
  end
end

return {promoted, retried, dead, orphans}
