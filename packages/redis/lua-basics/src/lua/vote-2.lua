#!lua
-- One vote per voter, counted in the same atomic step as it is recorded.
-- The "#!lua" line (Redis 7) makes a cluster node refuse any key this script did not declare in KEYS
-- that lies in another slot; both keys below share the poll's {hash tag}, so they are in one slot.
-- KEYS[1]  hash of ballots: voter id -> option voted for
-- KEYS[2]  hash of the tally: option -> number of votes
-- ARGV[1]  voter id
-- ARGV[2]  option
-- Returns {accepted 1|0, the voter's recorded option, that option's votes}. accepted is 1 when the
-- voter's recorded option is ARGV[2]: a first vote, or the same vote again. Run twice with the same
-- arguments (a reply lost, the client re-sends it), it counts once and answers accepted both times.
local voter, option = ARGV[1], ARGV[2]
local recorded = option
if redis.call('HSETNX', KEYS[1], voter, option) == 1 then
  redis.call('HINCRBY', KEYS[2], option, 1)
else
  recorded = redis.call('HGET', KEYS[1], voter)
end
local votes = tonumber(redis.call('HGET', KEYS[2], recorded))
if recorded == option then
  return {1, recorded, votes}
end
return {0, recorded, votes}
