-- The "around me" page: a player with the K players listed above and below them, in one atomic step.
-- The page's bounds depend on the player's position, so it cannot be a MULTI (MULTI queues commands
-- before any result is known); done as separate calls, a concurrent ZINCRBY can move the player
-- between reading the position and reading the page.
-- KEYS[1]  the leaderboard (sorted set: member = player id, score = points)
-- ARGV[1]  player id
-- ARGV[2]  K, players wanted on each side (fewer at the top and bottom of the board)
-- Returns nil when the player is not on the board, else {position, start, above, page}:
--   position  the player's 0-based place in the listing (ZREVRANK)
--   start     0-based place of the page's first entry
--   above     how many players have strictly more points than the first entry (its rank - 1)
--   page      ZREVRANGE start position+K WITHSCORES: member, score, member, score ...
local position = redis.call('ZREVRANK', KEYS[1], ARGV[1])
if not position then
  return false
end
local k = tonumber(ARGV[2])
local start = position - k
if start < 0 then
  start = 0
end
local page = redis.call('ZREVRANGE', KEYS[1], start, position + k, 'WITHSCORES')
local above = redis.call('ZCOUNT', KEYS[1], '(' .. page[2], '+inf')
return {position, start, above, page}
