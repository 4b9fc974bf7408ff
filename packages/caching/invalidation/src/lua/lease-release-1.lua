-- Lease release: a reader whose load failed gives its lease back, so the readers waiting on it load
-- at once instead of after the lease expires. Only the holder's token releases it.
-- KEYS[1]  the lease key
-- ARGV[1]  the caller's lease token
-- Returns 1 if released, 0 if the lease was no longer the caller's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
