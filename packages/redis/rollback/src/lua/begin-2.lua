-- Starts a saga: its undo log (a hash) in state "running", owned by the caller's token, with a lease.
-- A saga id runs once: a second begin with the same id answers the existing saga's state instead.
-- KEYS[1]  the saga's log (hash)
-- KEYS[2]  active sagas (sorted set: saga id -> lease end, epoch ms)
-- ARGV[1]  saga id
-- ARGV[2]  owner token (random per run() call)
-- ARGV[3]  lease end, epoch ms (the caller's clock + leaseMs)
-- ARGV[4]  the saga's input as JSON (recovery computes the steps' keys from it)
-- ARGV[5]  number of steps
-- Returns {'started'} for a new saga, or a re-send of this owner's begin; otherwise
-- {state, failedStep, reason, steps undone} of the saga that already has this id.
local state = redis.call('HGET', KEYS[1], 'state')
if state then
  if redis.call('HGET', KEYS[1], 'owner') == ARGV[2] then
    return {'started'}
  end
  local saga = redis.call('HMGET', KEYS[1], 'failedStep', 'reason', 'undone')
  return {state, saga[1] or '', saga[2] or '', tonumber(saga[3] or '0')}
end
redis.call('HSET', KEYS[1], 'state', 'running', 'owner', ARGV[2], 'lease', ARGV[3], 'input', ARGV[4],
  'total', ARGV[5], 'steps', 0, 'undone', 0)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return {'started'}
