-- Extend the lock's lease only if we still own it (compare-and-pexpire).
-- KEYS[1]  lock key
-- ARGV[1]  owner token given at acquisition
-- ARGV[2]  new time to live in ms, counted from now
-- Returns 1 when extended, 0 when the key is gone or holds another owner's token.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
