-- Create a session and add it to its user's index in one step; drop index entries whose session is gone.
-- KEYS[1]  session hash to create
-- KEYS[2]  the user's index: a set of session ids
-- KEYS[3]  prefix of session keys; "<prefix>{<id>}" is a session's hash. Passed as a key so that a
--          client-side key prefix applies to it too.
-- ARGV[1]  ttl in ms (sliding: every read or update restarts it)
-- ARGV[2]  session id
-- ARGV[3]  user id
-- ARGV[4]  created-at, ms since the epoch
-- ARGV[5..] field, value, field, value ... (the session's data)
-- Returns 1, or 0 if a session with this id already exists (never, with 256 random bits; checked anyway).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', KEYS[3] .. '{' .. id .. '}') == 0 then
    redis.call('SREM', KEYS[2], id)
  end
end
redis.call('HSET', KEYS[1], '_uid', ARGV[3], '_created', ARGV[4], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
