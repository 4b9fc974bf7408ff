// Two session operations as they are often first written, kept only to show how they fail (tests,
// demo); only under the 'poc-redis-sessions/naive' subpath, not the package index. Do not use them.
import type { Redis } from 'ioredis';

/**
 * Partial update with a plain HSET + PEXPIRE. If the session expired (or was revoked) just before,
 * HSET creates a new hash — and if the process dies before PEXPIRE, or PEXPIRE races a DEL, it has no TTL.
 * Here the two are sent separately, as in code that "touches" after writing.
 */
export async function naiveUpdate(redis: Redis, sessionKey: string, fields: Record<string, string>): Promise<void> {
  await redis.hset(sessionKey, fields);
}

/**
 * "Log out everywhere" as three round trips: read the index, delete the sessions, delete the index.
 * A session created between the first and the last step is removed from the index but not deleted:
 * it stays valid and no later revoke-all can find it.
 */
export async function naiveRevokeAll(
  redis: Redis,
  indexKey: string,
  sessionKey: (id: string) => string,
): Promise<number> {
  const ids = await redis.smembers(indexKey);
  const revoked = ids.length > 0 ? await redis.del(...ids.map(sessionKey)) : 0;
  await redis.del(indexKey);
  return revoked;
}
