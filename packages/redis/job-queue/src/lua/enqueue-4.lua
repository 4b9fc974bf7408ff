-- Store a new job and make it runnable now (ready list) or later (delayed set), in one atomic step.
-- KEYS[1]  ready list (LPUSH here, workers BLMOVE from the right: FIFO)
-- KEYS[2]  delayed sorted set (member = job id, score = due time in ms)
-- KEYS[3]  jobs hash (job id -> payload JSON)
-- KEYS[4]  stats hash (counters: enqueued, completed, retried, dead)
-- ARGV[1]  job id
-- ARGV[2]  payload (JSON text)
-- ARGV[3]  due time in ms since the epoch; 0 = runnable now
-- Returns 1 when enqueued, 0 when a job with this id already exists.
if redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) == 0 then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('LPUSH', KEYS[1], ARGV[1])
end
redis.call('HINCRBY', KEYS[4], 'enqueued', 1)
return 1
