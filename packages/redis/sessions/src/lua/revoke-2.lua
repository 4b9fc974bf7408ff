-- Revoke one session: delete its hash and remove its id from its user's index, together.
-- KEYS[1]  session hash
-- KEYS[2]  prefix of user indexes; "<prefix>{<user id>}" is a user's set (passed as a key so that a
--          client-side key prefix applies to it too)
-- ARGV[1]  session id
-- Returns 1 when the session existed, 0 otherwise.
local uid = redis.call('HGET', KEYS[1], '_uid')
if not uid then
  return redis.call('DEL', KEYS[1])
end
redis.call('SREM', KEYS[2] .. '{' .. uid .. '}', ARGV[1])
return redis.call('DEL', KEYS[1])
