-- A player's place and competition rank, read in one atomic step.
-- KEYS[1]  the leaderboard (sorted set: member = player id, score = points)
-- ARGV[1]  player id
-- Returns nil when the player is not on the board, else {position, above, score}:
--   position  0-based place in the listing (ZREVRANK: ties ordered by player id, descending)
--   above     how many players have strictly more points (competition rank = above + 1)
--   score     the player's points, as Redis formats them
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then
  return false
end
local position = redis.call('ZREVRANK', KEYS[1], ARGV[1])
local above = redis.call('ZCOUNT', KEYS[1], '(' .. score, '+inf')
return {position, above, score}
