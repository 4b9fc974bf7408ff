-- Take the lock if it is free and hand out the next fencing token, in one atomic step.
-- KEYS[1]  lock key (holds the owner's random token, expires after ARGV[2] ms)
-- KEYS[2]  fence counter of the resource (never expires: fencing tokens must only grow)
-- ARGV[1]  owner token (random, unique per acquisition)
-- ARGV[2]  time to live in ms
-- Returns the new fencing token (>= 1), or 0 when another owner holds the lock.
-- Idempotent under re-send: if the key already holds this token, this is the same acquisition run a
-- second time (the client lost the first reply and sent it again), so it answers the fence the first
-- run handed out. No one can have taken the lock in between (the key never stopped holding this token),
-- so that fence is still the counter's value.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return tonumber(redis.call('GET', KEYS[2]))
end
return 0
