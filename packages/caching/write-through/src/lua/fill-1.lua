-- Fills a key after a read missed, unless it changed since that read: a writer's SET in between wins.
-- KEYS[1]  the entry's key
-- ARGV[1]  the raw entry the read saw ("" when the key was absent)
-- ARGV[2]  the new raw entry
-- ARGV[3]  its TTL in ms
-- Returns  1 when stored, 0 when the key had changed (the loaded value is older than what is there)
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
