-- Take the lock if it is free and hand out the next fencing token, in one atomic step.
-- KEYS[1]  lock key (holds the owner's random token, expires after ARGV[2] ms)
-- KEYS[2]  fence counter of the resource (never expires: fencing tokens must only grow)
-- ARGV[1]  owner token (random, unique per acquisition)
-- ARGV[2]  time to live in ms
-- Returns the new fencing token (>= 1), or 0 when another owner holds the lock.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
