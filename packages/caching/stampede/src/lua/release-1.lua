-- Gives up a lock only if it is still ours (a holder whose lock expired must not delete the next one's).
-- KEYS[1]  the key's lock
-- ARGV[1]  the token this holder set on the lock
-- Returns 1 if deleted, 0 if the lock was not ours any more.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
