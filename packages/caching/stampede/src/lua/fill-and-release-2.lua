-- Stores the freshly loaded value and gives up the lock in one step, so no reader can find the lock
-- gone and the value not yet there (it would take the lock and load a second time).
-- KEYS[1]  the cached entry
-- KEYS[2]  the key's lock
-- ARGV[1]  the entry (JSON: value, delta, expiry)
-- ARGV[2]  the entry's time to live on the server, ms (positive integer)
-- ARGV[3]  the token this holder set on the lock
-- Returns 1 if the lock was still ours and was deleted, 0 if it had expired or was taken by another.
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
