-- Ends a saga: "completed" (every step done, by its owner) or "compensated" (every logged step undone).
-- The log then leaves the active set and expires after the retention time, so a retried run() with the
-- same id still gets the outcome meanwhile.
-- KEYS[1]  the saga's log (hash)
-- KEYS[2]  active sagas (sorted set: saga id -> lease end)
-- ARGV[1]  saga id
-- ARGV[2]  owner token
-- ARGV[3]  completed | compensated
-- ARGV[4]  retention, ms
-- Returns {'ok'} (also when the saga already ended so), {'lost', state}, or {'incomplete', step index}.
local saga = redis.call('HMGET', KEYS[1], 'state', 'owner', 'steps', 'total')
if saga[1] == ARGV[3] then
  return {'ok'}
end
local steps = tonumber(saga[3] or '0')
if ARGV[3] == 'completed' then
  if saga[1] ~= 'running' or saga[2] ~= ARGV[2] then
    return {'lost', saga[1] or 'gone'}
  end
  if steps ~= tonumber(saga[4]) then
    return {'incomplete', steps + 1}
  end
else
  if saga[1] ~= 'compensating' then
    return {'lost', saga[1] or 'gone'}
  end
  for i = 1, steps do
    if redis.call('HEXISTS', KEYS[1], 'undone:' .. i) == 0 then
      return {'incomplete', i}
    end
  end
end
redis.call('HSET', KEYS[1], 'state', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'ok'}
