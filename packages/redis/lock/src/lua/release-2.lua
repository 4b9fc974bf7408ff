-- Release the lock only if we still own it (compare-and-delete), and leave a receipt that we did.
-- KEYS[1]  lock key
-- KEYS[2]  this token's release receipt (lock key + ":released:" + token; same hash tag, same slot)
-- ARGV[1]  owner token given at acquisition
-- ARGV[2]  how long the receipt lives, in ms
-- Returns 1 when released, 0 when the key expired or was taken from us before we released it.
-- Idempotent under re-send: a second run (the client lost the first reply and sent it again) finds the
-- key gone or held by the next owner, and the receipt tells it that this holder's own release ended
-- the lease, not an expiry: it answers 1 again and touches nothing.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  return 1
end
return redis.call('EXISTS', KEYS[2])
