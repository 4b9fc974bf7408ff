-- Revoke every session of a user: read the index, delete each session, delete the index. No create
-- can run in between, so a session is either in the index read here (and deleted) or created after.
-- KEYS[1]  the user's index (set of session ids)
-- KEYS[2]  prefix of session keys; "<prefix>{<id>}" is a session's hash
-- Returns the number of live sessions deleted.
local revoked = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  revoked = revoked + redis.call('DEL', KEYS[2] .. '{' .. id .. '}')
end
redis.call('DEL', KEYS[1])
return revoked
