-- The naive version's compensation, from what the caller remembers: the same inverse as
-- compensate-3.lua, with no log entry and no "already undone" mark, so a second run undoes again.
-- KEYS[1]  the key the step changed
-- ARGV[1]  saga id
-- ARGV[2]  kind: claim | debit | insert
-- ARGV[3]  debit: the amount
-- Returns 1.
local key = KEYS[1]
if ARGV[2] == 'claim' then
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
  end
elseif ARGV[2] == 'debit' then
  redis.call('INCRBY', key, ARGV[3])
elseif ARGV[2] == 'insert' then
  if redis.call('HGET', key, 'saga') == ARGV[1] then
    redis.call('DEL', key)
  end
end
return 1
