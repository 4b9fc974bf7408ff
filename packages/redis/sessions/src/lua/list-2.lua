-- The ids of a user's live sessions; ids whose session expired are removed from the index on the way.
-- KEYS[1]  the user's index (set of session ids)
-- KEYS[2]  prefix of session keys; "<prefix>{<id>}" is a session's hash
-- Returns the live ids (any order).
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', KEYS[2] .. '{' .. id .. '}') == 1 then
    live[#live + 1] = id
  else
    redis.call('SREM', KEYS[1], id)
  end
end
return live
