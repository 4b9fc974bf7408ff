// Sessions in Redis: a hash per session with a sliding TTL, and a set per user indexing its sessions.
// Reads touch with MULTI (no decision depends on what was read); every write that must check or keep
// the index consistent is a Lua script (a decision, or keys derived from what was read).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

/** The session's own fields. Names starting with "_" are the store's (`_uid`, `_created`). */
export type SessionData = Record<string, string>;

export interface Session {
  id: string;
  userId: string;
  /** ms since the epoch, from the creating process's clock. */
  createdAt: number;
  data: SessionData;
}

/** Why there is no session: the id cannot be one of ours, or no live session has it (expired, revoked, unknown). */
export type Miss = { ok: false; reason: 'malformed-id' | 'not-found' };
export type ReadResult = { ok: true; session: Session } | Miss;
export type UpdateResult = { ok: true } | Miss;

export interface SessionStoreOptions {
  redis: Redis;
  /** Idle timeout: a session not read or updated for this long expires. */
  ttlMs: number;
  /** First part of every key this store writes (default "sess"). */
  prefix?: string;
}

export interface SessionStore {
  readonly ttlMs: number;
  /** A new session with a 256-bit random id, added to the user's index in the same step. */
  create(userId: string, data?: SessionData): Promise<Session>;
  /** Reads the session and restarts its TTL, atomically. Malformed, expired and unknown ids are results, not errors. */
  read(id: string): Promise<ReadResult>;
  /** Sets only the given fields (others untouched) and restarts the TTL; never brings back an expired session. */
  update(id: string, fields: SessionData): Promise<UpdateResult>;
  /** Ends one session (and removes it from its user's index). True if it was live. */
  revoke(id: string): Promise<boolean>;
  /** Ends every session of the user ("log out everywhere"); returns how many were live. */
  revokeAll(userId: string): Promise<number>;
  /** Ids of the user's live sessions; drops ids of expired ones from the index. */
  list(userId: string): Promise<string[]>;
}

/** 32 random bytes, base64url: 43 characters, 256 bits. */
export const newSessionId = (): string => randomBytes(32).toString('base64url');
const ID_FORMAT = /^[A-Za-z0-9_-]{43}$/;
export const isWellFormedId = (id: unknown): id is string => typeof id === 'string' && ID_FORMAT.test(id);

const MALFORMED: Miss = { ok: false, reason: 'malformed-id' };
const NOT_FOUND: Miss = { ok: false, reason: 'not-found' };

function checkUserId(userId: unknown): asserts userId is string {
  check.name('userId', userId);
}

/** Field/value pairs for HSET, after checking that the data is a flat object of strings with no reserved names. */
function pairs(name: string, data: unknown, allowEmpty: boolean): string[] {
  check.that(
    typeof data === 'object' && data !== null && !Array.isArray(data),
    name,
    'must be an object of string fields',
    data,
  );
  const entries = Object.entries(data);
  check.that(allowEmpty || entries.length > 0, name, 'must set at least one field', '{}');
  for (const [field, value] of entries) {
    check.that(
      field.length > 0 && !field.startsWith('_'),
      `${name} field "${field}"`,
      'must be a non-empty name not starting with "_" (reserved)',
      field,
    );
    check.that(typeof value === 'string', `${name}.${field}`, 'must be a string', value);
  }
  return entries.flat();
}

export function sessionStore(options: SessionStoreOptions): SessionStore {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object { redis, ttlMs }', options);
  const { redis, ttlMs, prefix = 'sess' } = options;
  check.kind(
    typeof redis === 'object' && redis !== null && typeof redis.evalsha === 'function',
    'redis',
    'must be an ioredis client',
    redis,
  );
  check.positiveInt('ttlMs', ttlMs);
  check.name('prefix', prefix);

  // Hash tags: a session's keys stay in one Cluster slot; the index's keys too (revokeAll is single-node, see README).
  const sessionPrefix = `${prefix}:s:`;
  const indexPrefix = `${prefix}:u:`;
  const sessionKey = (id: string): string => `${sessionPrefix}{${id}}`;
  const indexKey = (userId: string): string => `${indexPrefix}{${userId}}`;
  const scripts = {
    create: () => luaScript('create-3.lua'),
    update: () => luaScript('update-1.lua'),
    revoke: () => luaScript('revoke-2.lua'),
    revokeAll: () => luaScript('revoke-all-2.lua'),
    list: () => luaScript('list-2.lua'),
  };

  return {
    ttlMs,

    async create(userId, data = {}) {
      checkUserId(userId);
      const fields = pairs('data', data, true);
      const id = newSessionId();
      const createdAt = Date.now();
      const created = await redisCall(`creating a session for user "${userId}"`, () =>
        runScript(
          redis,
          scripts.create(),
          [sessionKey(id), indexKey(userId), sessionPrefix],
          [ttlMs, id, userId, createdAt, ...fields],
        ),
      );
      if (created !== 1) throw new Error(`session id collision on ${id}: the random source is broken`);
      return { id, userId, createdAt, data: { ...data } };
    },

    async read(id) {
      if (!isWellFormedId(id)) return MALFORMED;
      const key = sessionKey(id);
      // MULTI/EXEC, one round trip: the read and the TTL restart happen together, and PEXPIRE on a
      // key that has expired meanwhile does nothing, so no branch is needed.
      const [hash] = await redisCall(`reading session ${id.slice(0, 8)}…`, async () => {
        const replies = await redis.multi().hgetall(key).pexpire(key, ttlMs).exec();
        if (!replies) throw new Error('transaction aborted');
        for (const [err] of replies) if (err) throw err;
        return replies.map(([, value]) => value) as [Record<string, string>, number];
      });
      const { _uid: userId, _created: created, ...data } = hash;
      // A hash without _uid is not a session this store wrote (e.g. one a plain HSET brought back).
      if (userId === undefined) return NOT_FOUND;
      return { ok: true, session: { id, userId, createdAt: Number(created), data } };
    },

    async update(id, fields) {
      const args = pairs('fields', fields, false);
      if (!isWellFormedId(id)) return MALFORMED;
      const updated = await redisCall(`updating session ${id.slice(0, 8)}…`, () =>
        runScript(redis, scripts.update(), [sessionKey(id)], [ttlMs, ...args]),
      );
      return updated === 1 ? { ok: true } : NOT_FOUND;
    },

    async revoke(id) {
      if (!isWellFormedId(id)) return false;
      const revoked = await redisCall(`revoking session ${id.slice(0, 8)}…`, () =>
        runScript(redis, scripts.revoke(), [sessionKey(id), indexPrefix], [id]),
      );
      return revoked === 1;
    },

    async revokeAll(userId) {
      checkUserId(userId);
      const revoked = await redisCall(`revoking all sessions of user "${userId}"`, () =>
        runScript(redis, scripts.revokeAll(), [indexKey(userId), sessionPrefix], []),
      );
      return Number(revoked);
    },

    async list(userId) {
      checkUserId(userId);
      return (await redisCall(`listing sessions of user "${userId}"`, () =>
        runScript(redis, scripts.list(), [indexKey(userId), sessionPrefix], []),
      )) as string[];
    },
  };
}
