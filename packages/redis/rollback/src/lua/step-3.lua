-- One forward step and its undo-log entry, in one atomic step: either both are written or neither.
-- KEYS[1]  the saga's log (hash)
-- KEYS[2]  active sagas (sorted set: saga id -> lease end)
-- KEYS[3]  the one key this step changes
-- ARGV[1]  saga id
-- ARGV[2]  owner token
-- ARGV[3]  step index, from 1
-- ARGV[4]  step name
-- ARGV[5]  kind: claim | debit | insert
-- ARGV[6]  new lease end, epoch ms
-- ARGV[7..] debit: the amount; insert: field, value, field, value ...
-- Returns {'done'} (also for a re-send of a step already logged), {'failed', reason} (nothing was
-- changed), or {'lost', state} when the caller no longer owns a running saga (recovery took it over).
local log = KEYS[1]
local key = KEYS[3]
local owner = redis.call('HMGET', log, 'state', 'owner')
if owner[1] ~= 'running' or owner[2] ~= ARGV[2] then
  return {'lost', owner[1] or 'gone'}
end
local field = 'step:' .. ARGV[3]
-- A re-sent step (the reply to the first run was lost) finds its own entry: done once, answered twice.
if redis.call('HEXISTS', log, field) == 1 then
  return {'done'}
end

local kind = ARGV[5]
local entry = {name = ARGV[4], kind = kind, key = key}
if kind == 'claim' then
  if not redis.call('SET', key, ARGV[1], 'NX') then
    return {'failed', 'already taken'}
  end
elseif kind == 'debit' then
  local amount = tonumber(ARGV[7])
  local balance = tonumber(redis.call('GET', key))
  if not balance then
    return {'failed', 'no balance at its key'}
  end
  if balance < amount then
    return {'failed', 'insufficient funds (balance ' .. balance .. ', amount ' .. amount .. ')'}
  end
  redis.call('DECRBY', key, amount)
  entry.amount = ARGV[7] -- a string: cjson would round large numbers
elseif kind == 'insert' then
  if redis.call('EXISTS', key) == 1 then
    return {'failed', 'already exists'}
  end
  redis.call('HSET', key, 'saga', ARGV[1], unpack(ARGV, 7))
else
  return redis.error_reply('unknown step kind ' .. tostring(kind))
end

redis.call('HSET', log, field, cjson.encode(entry), 'steps', ARGV[3], 'lease', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
return {'done'}
