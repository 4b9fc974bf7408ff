-- Moves a partition's high-water mark forward, never back: for once() with an effect outside Redis,
-- which cannot share a script with the mark (see README, "the window").
-- KEYS[1]  the partition's high-water mark
-- ARGV[1]  the message's stream id "<ms>-<seq>"
-- Returns 1 when the mark moved, 0 when it already was at or past the id.
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local mark = redis.call('GET', KEYS[1])
if mark then
  local ms, seq = parse(ARGV[1])
  local hms, hseq = parse(mark)
  if ms < hms or (ms == hms and seq <= hseq) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
