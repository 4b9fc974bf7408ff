// The same validation with WATCH/MULTI/EXEC instead of a script, for comparison (the bench measures
// both): WATCH the instance, read it, decide in Node, then write in MULTI/EXEC, which Redis refuses
// (EXEC answers null) if a watched key changed since the WATCH; then read and decide again. Correct
// under contention, at two round trips per attempt and one connection held per transition, because
// WATCH belongs to the connection. Not under a re-send: see the README ("Break it") and test/resend.test.ts.
// Imported from 'poc-redis-lua-workflow/watch', not the package index.
import type { Redis } from 'ioredis';
import {
  createContext,
  decide,
  historyEntry,
  workflowKeys,
  workflowOn,
  type Apply,
  type WorkflowOptions,
  type Outcome,
  type Request,
  type Workflow,
} from './store.ts';
import type { MachineDefinition } from './machine.ts';

/** Attempts per transition before giving up: every failed EXEC means another transition got in first. */
export const WATCH_MAX_ATTEMPTS = 50;

export interface WatchWorkflow<D extends MachineDefinition = MachineDefinition> extends Workflow<D> {
  /** Connections opened so far (one per transition in flight at the busiest moment). */
  readonly connections: number;
  /** Quits the connections it opened; `redis` itself is the caller's. */
  close(): Promise<void>;
}

/** A store with the same rules as luaWorkflow(), applied with WATCH/MULTI on connections duplicated from `redis`. */
export function watchWorkflow<D extends MachineDefinition>(
  redis: Redis,
  options: WorkflowOptions<D>,
): WatchWorkflow<D> {
  const context = createContext(redis, options);
  const idle: Redis[] = [];
  const opened: Redis[] = [];
  const lease = (): Redis => {
    const reused = idle.pop();
    if (reused) return reused;
    const conn = redis.duplicate(); // same options, keyPrefix included
    conn.on('error', () => {}); // a broken connection fails the command that used it; that error is reported
    opened.push(conn);
    return conn;
  };
  const apply: Apply = async (_context, r) => {
    const conn = lease();
    try {
      return await applyWatched(conn, context.name, r);
    } finally {
      idle.push(conn);
    }
  };
  const workflow = workflowOn<D>(context, apply);
  return {
    ...workflow,
    get connections() {
      return opened.length;
    },
    async close() {
      await Promise.all(opened.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
      idle.length = 0;
    },
  };
}

async function applyWatched(conn: Redis, name: string, r: Request): Promise<Outcome> {
  const k = workflowKeys(name, r.id);
  for (let attempt = 1; attempt <= WATCH_MAX_ATTEMPTS; attempt++) {
    // One round trip: WATCH, then the reads, in order on this connection.
    const replies = await conn
      .pipeline()
      .watch(k.instance, k.requests)
      .hget(k.requests, r.requestId)
      .hmget(k.instance, 'state', 'version')
      .exec();
    const [done, current] = [1, 2].map((i) => {
      const [err, value] = replies![i]!;
      if (err) throw err;
      return value;
    }) as [string | null, [string | null, string | null]];
    if (done !== null) {
      const entry = JSON.parse((await conn.lindex(k.history, Number(done) - 1))!) as {
        version: number;
        event: string;
        from: string;
        to: string;
        at: string;
      };
      await conn.unwatch();
      if (entry.event !== r.event) return { kind: 'reused', event: entry.event, version: entry.version };
      return {
        kind: 'applied',
        version: entry.version,
        from: entry.from,
        to: entry.to,
        at: Number(entry.at),
        replayed: true,
      };
    }
    const state = { state: current[0] ?? '', version: Number(current[1] ?? '0') };
    const rejected = decide(r, state);
    if (rejected) {
      await conn.unwatch();
      return rejected;
    }
    const next = state.version + 1;
    const result = await conn
      .multi()
      .hset(k.instance, 'state', r.to, 'version', next, 'updatedAt', r.now)
      .rpush(k.history, historyEntry(r, state.state, next))
      .hset(k.requests, r.requestId, next)
      .exec();
    if (result === null) continue; // a watched key changed: read and decide again
    for (const [err] of result) if (err) throw err;
    return { kind: 'applied', version: next, from: state.state, to: r.to, at: r.now, replayed: false };
  }
  throw new Error(`gave up after ${WATCH_MAX_ATTEMPTS} attempts: the instance kept changing between WATCH and EXEC`);
}
