-- Recovery: take over a saga whose owner's lease has run out (the owner crashed, hung or lost Redis).
-- From then on the old owner's steps are refused (step-3.lua checks the token), so it cannot move the
-- saga forward while it is compensated. A saga with every step logged is kept "running", to be
-- completed; any other becomes "compensating".
-- KEYS[1]  the saga's log (hash)
-- KEYS[2]  active sagas (sorted set: saga id -> lease end)
-- ARGV[1]  saga id
-- ARGV[2]  the recoverer's new owner token
-- ARGV[3]  now, epoch ms (the recoverer's clock)
-- ARGV[4]  new lease end, epoch ms
-- Returns {'taken', state, steps logged, input JSON} (also for a re-send), {'busy'} (the lease still
-- runs) or {'finished'} (ended or gone: dropped from the active set).
local saga = redis.call('HMGET', KEYS[1], 'state', 'owner', 'lease', 'steps', 'total')
local state = saga[1]
if not state or state == 'completed' or state == 'compensated' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {'finished'}
end
if saga[2] ~= ARGV[2] then
  if tonumber(saga[3]) > tonumber(ARGV[3]) then
    return {'busy'}
  end
  if state == 'running' and saga[4] ~= saga[5] then
    state = 'compensating'
    redis.call('HSET', KEYS[1], 'state', state, 'failedStep', '',
      'reason', 'recovered: its owner stopped after ' .. saga[4] .. ' of ' .. saga[5] .. ' steps')
  end
  redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'lease', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
return {'taken', state, tonumber(saga[4]), redis.call('HGET', KEYS[1], 'input')}
