-- Partial update: set some fields of a live session and restart its TTL; never create a session.
-- KEYS[1]  session hash
-- ARGV[1]  ttl in ms
-- ARGV[2..] field, value, field, value ...
-- Returns 1 when updated, 0 when the session does not exist (expired, revoked, never created).
-- A plain HSET on an expired session would create a new hash without TTL: a resurrected, immortal session.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
