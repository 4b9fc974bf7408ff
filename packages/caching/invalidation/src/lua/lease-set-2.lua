-- Lease set: the value is stored only if the caller's lease is still the one on record. A delete
-- (invalidation) removes the lease, so a reader that loaded before a write can no longer set.
-- KEYS[1]  the cache key
-- KEYS[2]  the lease key
-- ARGV[1]  the caller's lease token
-- ARGV[2]  the serialized value
-- ARGV[3]  ttl in ms
-- Returns 1 if stored, 0 if refused (the lease was invalidated or expired).
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
