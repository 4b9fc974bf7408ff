-- Applies a message's effect at most once, atomically with the dedup mark: either both the effect and the
-- mark are written, or neither (a consumer killed before this script ran left nothing; once it ran, it
-- ran whole). The key count is 1 + the number of effect commands.
-- KEYS[1]      the mark: set-nx, one key per message; high-water, one key per partition
-- KEYS[1 + i]  the key effect command i writes (each command takes one key, as its first argument)
-- ARGV[1]      strategy: "set-nx" or "high-water"
-- ARGV[2]      set-nx: the mark's TTL in ms; high-water: the message's stream id "<ms>-<seq>"
-- ARGV[3]      n, the number of effect commands; then for each: name, argc, argc arguments
-- Returns 1 when the effect was applied, 0 when the message was a duplicate (nothing written).
-- An effect command that fails aborts the script: Redis does not roll back the commands before it, and
-- the mark is written last, so a redelivery applies the effect again (put the command that may fail first).
local strategy = ARGV[1]

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

if strategy == 'set-nx' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
elseif strategy == 'high-water' then
  local mark = redis.call('GET', KEYS[1])
  if mark then
    local ms, seq = parse(ARGV[2])
    local hms, hseq = parse(mark)
    if ms < hms or (ms == hms and seq <= hseq) then return 0 end
  end
else
  return redis.error_reply('unknown strategy ' .. tostring(strategy))
end

local n = tonumber(ARGV[3])
local at = 4
for i = 1, n do
  local name = ARGV[at]
  local argc = tonumber(ARGV[at + 1])
  local args = {}
  for j = 1, argc do args[j] = ARGV[at + 1 + j] end
  redis.call(name, KEYS[1 + i], unpack(args))
  at = at + 2 + argc
end

if strategy == 'set-nx' then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
