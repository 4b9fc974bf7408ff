// Write-behind: a write is acknowledged once it is in Redis (readable at once), and a flusher moves
// writes to PostgreSQL later in batches, one row update per key per batch however often the key was
// written (coalescing). Two buffers: a plain dirty hash (fast; a batch the flusher has taken but not yet
// committed dies with the flusher) and a durable Redis Stream with a consumer group (an entry is
// acknowledged only after the database commit; a crashed flusher's pending entries are claimed again).
import { hostname } from 'node:os';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { check, postgresCall, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

/** One write as the flusher sees it. `id` is the stream entry id (durable variant only). */
export interface Entry {
  key: string;
  value: string;
  id?: string;
}

export interface WriteOptions {
  signal?: AbortSignal;
}

/** What the write-through baseline (./naive.ts) and both write-behind variants offer. */
export interface WriteCache {
  readonly name: string;
  /** Resolves once the write is acknowledged: in Redis for write-behind, in Redis and PostgreSQL for write-through. */
  set(key: string, value: string, options?: WriteOptions): Promise<void>;
  /** The latest acknowledged value (from Redis; from PostgreSQL when Redis does not have it), or null. */
  get(key: string): Promise<string | null>;
}

export interface FlushResult {
  /** Writes taken from the buffer (dirty keys, or stream entries). */
  taken: number;
  /** Distinct keys sent to PostgreSQL in one upsert. */
  rows: number;
}

export interface WriteBehindStats {
  /** Writes acknowledged by this instance. */
  writes: number;
  /** Writes absorbed by a later write of the same key before a flush (plain variant: counted at set). */
  coalesced: number;
  /** Batches committed to PostgreSQL. */
  flushes: number;
  /** Keys upserted, summed over batches. */
  rows: number;
}

export interface WriteBehind extends WriteCache {
  /** Takes one batch from the buffer and commits it to PostgreSQL (one statement). */
  flushOnce(signal?: AbortSignal): Promise<FlushResult>;
  /** Flushes until the buffer is empty; the totals of the batches. */
  drain(signal?: AbortSignal): Promise<FlushResult>;
  /** The flusher loop: flush, sleep `idleMs` on the clock when there was nothing, until `signal` aborts. */
  run(signal: AbortSignal, options?: { idleMs?: number }): Promise<void>;
  stats(): WriteBehindStats;
}

export interface DurableWriteBehind extends WriteBehind {
  /** Creates the stream and its consumer group (idempotent). Call once before writing. */
  init(): Promise<void>;
  /** Claims entries pending (taken, never acknowledged) for at least `minIdleMs` from any consumer and commits them. */
  recover(minIdleMs: number, signal?: AbortSignal): Promise<FlushResult>;
  /** Entries taken by some consumer and not yet acknowledged. */
  pending(): Promise<number>;
}

export interface WriteBehindOptions {
  /** An ioredis client: the buffer and the readable values. */
  redis: Redis;
  /** A pg.Pool: the table the flusher writes to (create it with createWriteBehindTable). */
  pool: pg.Pool;
  /** Names this instance: its Redis keys start with `<name>:`. */
  name: string;
  /** The PostgreSQL table (a plain lower-case identifier). */
  table: string;
  /** Most writes taken per batch (default 500). */
  batchSize?: number;
  /** Time as the flusher sees it (default systemClock): the idle wait of run() sleeps on it. */
  clock?: Clock;
  /**
   * Called with every batch after it was taken from Redis and before it is committed: metrics, or a
   * test's hook to crash the flusher at the worst moment.
   */
  beforeCommit?: (batch: readonly Entry[]) => Promise<void> | void;
}

export interface DurableWriteBehindOptions extends WriteBehindOptions {
  /** The consumer group (default "flusher"). */
  group?: string;
  /** This flusher's consumer name in the group (default "<hostname>-<pid>"): one per process. */
  consumer?: string;
}

const bufferSet = luaScript('buffer-set-2.lua');
const takeBatch = luaScript('take-batch-1.lua');
const streamSet = luaScript('stream-set-2.lua');
const createGroup = luaScript('create-group-1.lua');

/** Creates the table both variants and the write-through baseline write to. `row_writes` counts row updates. */
export async function createWriteBehindTable(pool: Pick<pg.Pool, 'query'>, table: string): Promise<void> {
  checkTable(table);
  await postgresCall(`creating table ${table}`, () =>
    pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
      key text PRIMARY KEY,
      value text NOT NULL,
      stream_ms bigint NOT NULL DEFAULT 0,
      stream_seq bigint NOT NULL DEFAULT 0,
      row_writes bigint NOT NULL DEFAULT 1)`),
  );
}

/** The plain variant: a dirty hash, taken whole by the flusher. Fast; a crash between take and commit loses the batch. */
export function writeBehind(options: WriteBehindOptions): WriteBehind {
  const ctx = createContext(options);
  const { redis, pool, table, stats } = ctx;
  const dirtyKey = `${ctx.name}:dirty`;

  async function flushOnce(signal?: AbortSignal): Promise<FlushResult> {
    check.signal('signal', signal);
    signal?.throwIfAborted();
    const flat = (await redisCall('taking a batch', () => runScript(redis, takeBatch, [dirtyKey], []))) as string[];
    const batch: Entry[] = [];
    for (let i = 0; i < flat.length; i += 2) batch.push({ key: flat[i]!, value: flat[i + 1]! });
    if (batch.length === 0) return { taken: 0, rows: 0 };
    await options.beforeCommit?.(batch);
    await postgresCall(`writing a batch of ${batch.length} to ${table}`, () =>
      pool.query(
        `INSERT INTO ${table} AS t (key, value) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, row_writes = t.row_writes + 1`,
        [batch.map((e) => e.key), batch.map((e) => e.value)],
      ),
    );
    stats.flushes++;
    stats.rows += batch.length;
    return { taken: batch.length, rows: batch.length };
  }

  // The hash is taken whole, whatever its size: batchSize bounds the durable variant's reads only.
  return {
    name: ctx.name,
    get: ctx.get,
    stats: () => ({ ...stats }),
    async set(key, value, opts = {}) {
      ctx.checkWrite(key, value, opts);
      const coalesced = await redisCall(`writing "${key}"`, () =>
        runScript(redis, bufferSet, [ctx.valueKey(key), dirtyKey], [key, value]),
      );
      stats.writes++;
      if (coalesced === 1) stats.coalesced++;
    },
    flushOnce,
    drain: (signal) => ctx.drain(flushOnce, signal),
    run: (signal, runOptions) => ctx.run(flushOnce, signal, runOptions),
  };
}

/** The durable variant: a Redis Stream read by a consumer group; XACK only after the commit. */
export function durableWriteBehind(options: DurableWriteBehindOptions): DurableWriteBehind {
  const ctx = createContext(options);
  const { redis, pool, table, stats, batchSize } = ctx;
  const group = options.group ?? 'flusher';
  check.name('options.group', group);
  const consumer = options.consumer ?? `${hostname()}-${process.pid}`;
  check.name('options.consumer', consumer);
  const stream = `${ctx.name}:stream`;

  /** Commits the entries (last write per key wins, older than the row's version refused), then acknowledges them. */
  async function commit(entries: Entry[]): Promise<FlushResult> {
    if (entries.length === 0) return { taken: 0, rows: 0 };
    await options.beforeCommit?.(entries);
    const latest = new Map<string, Entry>(); // stream order: a later entry of a key replaces the earlier one
    for (const e of entries) latest.set(e.key, e);
    const rows = [...latest.values()];
    const ids = rows.map((e) => e.id!.split('-').map(Number) as [number, number]);
    // The version guard: a batch claimed after a crash may be older than one committed since.
    await postgresCall(`writing a batch of ${rows.length} to ${table}`, () =>
      pool.query(
        `INSERT INTO ${table} AS t (key, value, stream_ms, stream_seq)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, stream_ms = excluded.stream_ms,
           stream_seq = excluded.stream_seq, row_writes = t.row_writes + 1
         WHERE (t.stream_ms, t.stream_seq) < (excluded.stream_ms, excluded.stream_seq)`,
        [rows.map((e) => e.key), rows.map((e) => e.value), ids.map((i) => i[0]), ids.map((i) => i[1])],
      ),
    );
    const allIds = entries.map((e) => e.id!);
    // Acknowledge, then trim: an entry is deleted from the stream only once it is in PostgreSQL.
    await redisCall(`acknowledging ${allIds.length} entries`, () =>
      redis
        .multi()
        .xack(stream, group, ...allIds)
        .xdel(stream, ...allIds)
        .exec(),
    );
    stats.flushes++;
    stats.rows += rows.length;
    stats.coalesced += entries.length - rows.length;
    return { taken: entries.length, rows: rows.length };
  }

  async function flushOnce(signal?: AbortSignal): Promise<FlushResult> {
    check.signal('signal', signal);
    signal?.throwIfAborted();
    const reply = (await redisCall('reading the stream', () =>
      redis.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', stream, '>'),
    )) as Array<[string, Array<[string, string[]]>]> | null;
    return commit(parseEntries(reply?.[0]?.[1] ?? []));
  }

  return {
    name: ctx.name,
    get: ctx.get,
    stats: () => ({ ...stats }),
    async init() {
      await redisCall(`creating group ${group}`, () => runScript(redis, createGroup, [stream], [group]));
    },
    async set(key, value, opts = {}) {
      ctx.checkWrite(key, value, opts);
      await redisCall(`writing "${key}"`, () => runScript(redis, streamSet, [ctx.valueKey(key), stream], [key, value]));
      stats.writes++;
    },
    flushOnce,
    async recover(minIdleMs, signal) {
      check.nonNegativeInt('minIdleMs', minIdleMs);
      check.signal('signal', signal);
      const total: FlushResult = { taken: 0, rows: 0 };
      let cursor = '0-0';
      do {
        signal?.throwIfAborted();
        const [next, claimed] = (await redisCall('claiming pending entries', () =>
          redis.xautoclaim(stream, group, consumer, minIdleMs, cursor, 'COUNT', batchSize),
        )) as [string, Array<[string, string[]] | null>];
        const r = await commit(parseEntries(claimed.filter((e): e is [string, string[]] => e !== null)));
        total.taken += r.taken;
        total.rows += r.rows;
        cursor = next;
      } while (cursor !== '0-0');
      return total;
    },
    async pending() {
      const summary = (await redisCall('counting pending entries', () => redis.xpending(stream, group))) as [
        number,
        ...unknown[],
      ];
      return Number(summary[0]);
    },
    drain: (signal) => ctx.drain(flushOnce, signal),
    run: (signal, runOptions) => ctx.run(flushOnce, signal, runOptions),
  };
}

function parseEntries(raw: Array<[string, string[]]>): Entry[] {
  return raw.map(([id, fields]) => {
    const f = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    return { id, key: f.get('k')!, value: f.get('v')! };
  });
}

/** What both variants (and the write-through baseline in ./naive.ts) work with, checked once. */
export interface Context {
  readonly redis: Redis;
  readonly pool: pg.Pool;
  readonly name: string;
  readonly table: string;
  readonly batchSize: number;
  readonly clock: Clock;
  readonly stats: WriteBehindStats;
  valueKey(key: string): string;
  checkWrite(key: unknown, value: unknown, options: unknown): void;
  get(key: string): Promise<string | null>;
  drain(flushOnce: (signal?: AbortSignal) => Promise<FlushResult>, signal?: AbortSignal): Promise<FlushResult>;
  run(
    flushOnce: (signal?: AbortSignal) => Promise<FlushResult>,
    signal: AbortSignal,
    options?: { idleMs?: number },
  ): Promise<void>;
}

const MAX_KEY_LENGTH = 1_024;
const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;

function checkTable(table: unknown): asserts table is string {
  check.that(typeof table === 'string' && TABLE.test(table), 'table', 'must be a lower-case SQL identifier', table);
}

export function createContext(options: WriteBehindOptions): Context {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { redis, pool, name, table, batchSize = 500, beforeCommit } = options;
  check.kind(hasMethods(redis, 'evalsha', 'get', 'xreadgroup'), 'options.redis', 'must be an ioredis client', redis);
  check.kind(hasMethods(pool, 'query', 'connect'), 'options.pool', 'must be a pg.Pool', pool);
  check.name('options.name', name);
  check.that(
    typeof table === 'string' && TABLE.test(table),
    'options.table',
    'must be a lower-case SQL identifier',
    table,
  );
  check.intIn('options.batchSize', batchSize, 1, 100_000);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  check.kind(
    beforeCommit === undefined || typeof beforeCommit === 'function',
    'options.beforeCommit',
    'must be a function',
    beforeCommit,
  );
  const valueKey = (key: string): string => `${name}:v:${key}`;
  return {
    redis,
    pool,
    name,
    table,
    batchSize,
    clock,
    stats: { writes: 0, coalesced: 0, flushes: 0, rows: 0 },
    valueKey,
    checkWrite(key, value, writeOptions) {
      check.that(
        typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH,
        'key',
        `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
        key,
      );
      check.that(typeof value === 'string', 'value', 'must be a string', value);
      check.options('options', writeOptions);
      check.signal('options.signal', (writeOptions as WriteOptions | undefined)?.signal);
      (writeOptions as WriteOptions | undefined)?.signal?.throwIfAborted();
    },
    async get(key) {
      check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
      const cached = await redisCall(`reading "${key}"`, () => redis.get(valueKey(key)));
      if (cached !== null) return cached;
      const { rows } = await postgresCall(`reading "${key}" from ${table}`, () =>
        pool.query<{ value: string }>(`SELECT value FROM ${table} WHERE key = $1`, [key]),
      );
      return rows[0]?.value ?? null;
    },
    async drain(flushOnce, signal) {
      const total: FlushResult = { taken: 0, rows: 0 };
      for (;;) {
        const r = await flushOnce(signal);
        if (r.taken === 0) return total;
        total.taken += r.taken;
        total.rows += r.rows;
      }
    },
    async run(flushOnce, signal, runOptions = {}) {
      check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
      const idleMs = runOptions.idleMs ?? 10;
      check.positiveInt('options.idleMs', idleMs);
      while (!signal.aborted) {
        const r = await flushOnce();
        if (r.taken === 0) await clock.sleep(idleMs, signal).catch(() => undefined);
      }
    },
  };
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
