-- A held job failed: retry it (ready list now, or the delayed set after a back-off) or, once it has
-- used all its attempts, move it to the dead-letter list. Same lease check as ack.
-- KEYS[1]  leases hash       KEYS[2]  deadlines sorted set   KEYS[3]  attempts hash
-- KEYS[4]  ready list        KEYS[5]  delayed sorted set     KEYS[6]  dead-letter list
-- KEYS[7]  errors hash       KEYS[8]  stats hash
-- KEYS[9]  the worker's receipts list (see ack-8.lua)
-- ARGV[1]  job id            ARGV[2]  lease token            ARGV[3]  error message
-- ARGV[4]  max attempts      ARGV[5]  now (ms)               ARGV[6]  retry delay (ms, 0 = none)
-- ARGV[7]  how many receipts to keep
-- Returns 1 when retried, 2 when dead-lettered, 0 when the caller no longer holds the job.
-- Idempotent: a re-sent fail (its reply was lost) finds its token in the receipts and answers the
-- outcome of its first run, without retrying the job a second time.
local lease = redis.call('HGET', KEYS[1], ARGV[1])
local sep = lease and string.find(lease, '|', 1, true)
if not lease or string.sub(lease, 1, sep - 1) ~= ARGV[2] then
  local mine = ARGV[2] .. '|'
  for _, receipt in ipairs(redis.call('LRANGE', KEYS[9], 0, -1)) do
    if string.sub(receipt, 1, #mine) == mine then
      return tonumber(string.sub(receipt, #mine + 1))
    end
  end
  return 0
end
redis.call('LREM', string.sub(lease, sep + 1), 1, ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[7], ARGV[1], ARGV[3])
local outcome = 1
local attempts = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if attempts >= tonumber(ARGV[4]) then
  redis.call('LPUSH', KEYS[6], ARGV[1])
  redis.call('HINCRBY', KEYS[8], 'dead', 1)
  outcome = 2
else
  local delay = tonumber(ARGV[6])
  if delay > 0 then
    redis.call('ZADD', KEYS[5], tonumber(ARGV[5]) + delay, ARGV[1])
  else
    redis.call('LPUSH', KEYS[4], ARGV[1])
  end
  redis.call('HINCRBY', KEYS[8], 'retried', 1)
end
redis.call('LPUSH', KEYS[9], ARGV[2] .. '|' .. outcome)
redis.call('LTRIM', KEYS[9], 0, tonumber(ARGV[7]) - 1)
return outcome
