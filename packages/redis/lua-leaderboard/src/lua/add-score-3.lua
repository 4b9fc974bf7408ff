-- One score update, whole: add the points, record them in the player's history, refresh the cached
-- top N. Redis runs a script with nothing from another client in between, so no reader sees the board
-- half-updated and no writer decides on a top N that another update has already changed.
-- KEYS[1]  scores: sorted set, member = player, score = points
-- KEYS[2]  the player's history: list of JSON [updateId, delta, score, at], newest first
-- KEYS[3]  the cached top: hash {version = n, entries = JSON [player, score, player, score ...]}
-- ARGV[1]  player
-- ARGV[2]  delta, a number as text (handed to ZINCRBY as it is)
-- ARGV[3]  update id: a second run with the same id changes nothing
-- ARGV[4]  time of the update, epoch ms (the caller's clock)
-- ARGV[5]  history length (positive integer)
-- ARGV[6]  N, entries in the cached top (positive integer)
-- Returns {score as text, top version, top changed 1|0, replayed 1|0}.
--
-- Everything that can fail (a key of the wrong type, a delta that is not a number) fails before the first
-- write: a script is atomic but has no rollback, so an error after ZINCRBY would leave the points added
-- and the history and the cache behind.

-- Already applied? A reply lost on the way back makes ioredis send the same call again; the player's
-- history is the record, so an id is recognised for the player's next ARGV[5] - 1 updates.
local prefix = string.sub(cjson.encode({ARGV[3]}), 1, -2) .. ','
for _, entry in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if string.sub(entry, 1, #prefix) == prefix then
    local version = redis.call('HGET', KEYS[3], 'version') or '0'
    return {cjson.decode(entry)[3], tonumber(version), 0, 1}
  end
end

local cache = redis.call('HMGET', KEYS[3], 'version', 'entries')
local score = redis.call('ZINCRBY', KEYS[1], ARGV[2], ARGV[1])

redis.call('LPUSH', KEYS[2], cjson.encode({ARGV[3], ARGV[2], score, ARGV[4]}))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)

-- The decision MULTI cannot make: compare the top N as it is now with the cache, rewrite it only if it changed.
local top = cjson.encode(redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[6]) - 1, 'WITHSCORES'))
local version = tonumber(cache[1] or '0')
if cache[2] == top then
  return {score, version, 0, 0}
end
version = version + 1
redis.call('HSET', KEYS[3], 'version', version, 'entries', top)
return {score, version, 1, 0}
