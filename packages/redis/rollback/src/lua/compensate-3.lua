-- Undoes one logged step and marks its entry undone, in one atomic step. Idempotent: a second run (a
-- retry, a re-send after a lost reply, a second compensator) finds the mark and changes nothing. The
-- mark keeps who undid the step, so a re-send gets the first run's answer and another caller "already".
-- KEYS[1]  the saga's log (hash)
-- KEYS[2]  active sagas (sorted set: saga id -> lease end)
-- KEYS[3]  the key the step changed
-- ARGV[1]  saga id
-- ARGV[2]  the caller's owner token (its lease is extended only if it still owns the saga)
-- ARGV[3]  step index, from 1
-- ARGV[4]  step name (checked against the entry)
-- ARGV[5]  new lease end, epoch ms
-- Returns {'undone', order} (order: 1 for the first step undone in this saga, 2 for the next ...; also
-- to a re-send by the same caller), {'already', order} (another caller undid it), {'none'} (the step never ran), {'refused', state} (the saga is not compensating),
-- or {'mismatch', logged name, logged key}.
local log = KEYS[1]
local key = KEYS[3]
local state = redis.call('HGET', log, 'state')
if state ~= 'compensating' then
  return {'refused', state or 'gone'}
end
local raw = redis.call('HGET', log, 'step:' .. ARGV[3])
if not raw then
  return {'none'}
end
local mark = 'undone:' .. ARGV[3]
local order = redis.call('HGET', log, mark)
if order then
  if redis.call('HGET', log, 'undoer:' .. ARGV[3]) == ARGV[2] then
    return {'undone', tonumber(order)}
  end
  return {'already', tonumber(order)}
end
local entry = cjson.decode(raw)
if entry.name ~= ARGV[4] or entry.key ~= key then
  return {'mismatch', entry.name, entry.key}
end

if entry.kind == 'claim' then
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
  end
elseif entry.kind == 'debit' then
  redis.call('INCRBY', key, entry.amount)
elseif entry.kind == 'insert' then
  if redis.call('HGET', key, 'saga') == ARGV[1] then
    redis.call('DEL', key)
  end
end

order = redis.call('HINCRBY', log, 'undone', 1)
redis.call('HSET', log, mark, order, 'undoer:' .. ARGV[3], ARGV[2])
if redis.call('HGET', log, 'owner') == ARGV[2] then
  redis.call('HSET', log, 'lease', ARGV[5])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
end
return {'undone', order}
