-- Finish a job the caller still holds: drop it from its processing list, its lease, its deadline and
-- its data, and record the completion. Nothing happens if the lease has moved on (the reaper gave the
-- job to someone else after the deadline): a late ack must not remove a job another worker now runs.
-- KEYS[1]  leases hash       KEYS[2]  deadlines sorted set   KEYS[3]  jobs hash
-- KEYS[4]  attempts hash     KEYS[5]  completed list (newest first, trimmed)
-- KEYS[6]  stats hash        KEYS[7]  errors hash (last error per job id)
-- KEYS[8]  the worker's receipts list ("<lease token>|<outcome>", newest first, trimmed)
-- ARGV[1]  job id
-- ARGV[2]  lease token given by claim
-- ARGV[3]  how many completed ids to keep (>= 0)
-- ARGV[4]  how many receipts to keep (more than the worker's acks and fails in flight at once)
-- Returns 1 when acknowledged, 0 when the caller no longer holds the job.
-- Idempotent: a re-sent ack (its reply was lost) finds no lease, but its token in the receipts, and
-- answers 1 again without doing anything.
local lease = redis.call('HGET', KEYS[1], ARGV[1])
local sep = lease and string.find(lease, '|', 1, true)
if not lease or string.sub(lease, 1, sep - 1) ~= ARGV[2] then
  for _, receipt in ipairs(redis.call('LRANGE', KEYS[8], 0, -1)) do
    if receipt == ARGV[2] .. '|1' then
      return 1
    end
  end
  return 0
end
redis.call('LREM', string.sub(lease, sep + 1), 1, ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[7], ARGV[1])
local keep = tonumber(ARGV[3])
if keep > 0 then
  redis.call('LPUSH', KEYS[5], ARGV[1])
  redis.call('LTRIM', KEYS[5], 0, keep - 1)
end
redis.call('HINCRBY', KEYS[6], 'completed', 1)
redis.call('LPUSH', KEYS[8], ARGV[2] .. '|1')
redis.call('LTRIM', KEYS[8], 0, tonumber(ARGV[4]) - 1)
return 1
