-- The naive version's forward step: the same action as step-3.lua, with no log and no owner check.
-- KEYS[1]  the one key this step changes
-- ARGV[1]  saga id
-- ARGV[2]  kind: claim | debit | insert
-- ARGV[3..] debit: the amount; insert: field, value, field, value ...
-- Returns {'done'} or {'failed', reason}.
local key = KEYS[1]
local kind = ARGV[2]
if kind == 'claim' then
  if not redis.call('SET', key, ARGV[1], 'NX') then
    return {'failed', 'already taken'}
  end
elseif kind == 'debit' then
  local amount = tonumber(ARGV[3])
  local balance = tonumber(redis.call('GET', key))
  if not balance then
    return {'failed', 'no balance at its key'}
  end
  if balance < amount then
    return {'failed', 'insufficient funds (balance ' .. balance .. ', amount ' .. amount .. ')'}
  end
  redis.call('DECRBY', key, amount)
elseif kind == 'insert' then
  if redis.call('EXISTS', key) == 1 then
    return {'failed', 'already exists'}
  end
  redis.call('HSET', key, 'saga', ARGV[1], unpack(ARGV, 3))
else
  return redis.error_reply('unknown step kind ' .. tostring(kind))
end
return {'done'}
