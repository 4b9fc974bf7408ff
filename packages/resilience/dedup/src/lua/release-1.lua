-- Releases a set-nx mark after the effect failed, only if it is still the one this delivery set (its TTL
-- may have run out and another delivery taken the message meanwhile).
-- KEYS[1]  the message's mark
-- ARGV[1]  the token this delivery set
-- Returns 1 when released, 0 when the mark was not ours (or gone).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
