-- Store a new job and make it runnable now (ready list) or later (delayed set), in one atomic step.
-- KEYS[1]  ready list (LPUSH here, workers BLMOVE from the right: FIFO)
-- KEYS[2]  delayed sorted set (member = job id, score = due time in ms)
-- KEYS[3]  jobs hash (job id -> payload JSON)
-- KEYS[4]  stats hash (counters: enqueued, completed, retried, dead)
-- KEYS[5]  this call's request key, "<queue>:enqueue:<random token>": set once the job is stored
-- ARGV[1]  job id
-- ARGV[2]  payload (JSON text)
-- ARGV[3]  due time in ms since the epoch; 0 = runnable now
-- ARGV[4]  how long the request key lives, in ms (the caller deletes it once it has the reply)
-- Returns 1 when enqueued, 0 when a job with this id already exists.
-- Idempotent: when a connection reset loses the reply, ioredis re-sends the call with the same token;
-- the second run finds the request key and answers 1 again instead of "already exists".
if redis.call('EXISTS', KEYS[5]) == 1 then
  return 1
end
if redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) == 0 then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('LPUSH', KEYS[1], ARGV[1])
end
redis.call('HINCRBY', KEYS[4], 'enqueued', 1)
redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[4])
return 1
