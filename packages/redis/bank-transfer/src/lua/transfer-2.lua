-- One transfer between two accounts of a ledger: check, then move, with nothing from another client
-- in between. Run through idempotent.lua (src/idempotency.ts), which records the outcome it returns
-- under the transfer's idempotency key; it checks everything before it writes anything, so a
-- rejection leaves both accounts as they were.
-- KEYS[1]  the account the money leaves (a string holding an integer balance in minor units)
-- KEYS[2]  the account the money goes to
-- ARGV[1]  amount (a positive integer, checked by the caller)
-- Returns the outcome as one string: "done <from balance> <to balance>",
-- "insufficient-funds <from balance>" or "unknown-account from|to".
local from = redis.call('GET', KEYS[1])
if not from then return 'unknown-account from' end
if not redis.call('GET', KEYS[2]) then return 'unknown-account to' end
if tonumber(from) < tonumber(ARGV[1]) then return 'insufficient-funds ' .. from end
redis.call('DECRBY', KEYS[1], ARGV[1])
redis.call('INCRBY', KEYS[2], ARGV[1])
-- Balances read back as Redis's own strings: a Lua number would print with 14 digits at most.
return 'done ' .. redis.call('GET', KEYS[1]) .. ' ' .. redis.call('GET', KEYS[2])
