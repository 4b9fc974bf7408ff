// Connections of checkAndSet's own. WATCH is a property of the connection, not of the caller: Redis
// remembers the watched keys per connection, and the next EXEC on that connection — whoever sends it —
// checks them and forgets them. Two updates interleaved on one shared connection therefore break each
// other silently: the first EXEC clears the second update's WATCH, and the second EXEC runs unguarded
// (test "break it", naive sharedConnectionModify). So every attempt leases a connection for itself, from
// WATCH to EXEC, and gives it back before it sleeps.
//
// Why a small pool rather than a new connection per call: a connection costs a TCP handshake plus
// ioredis's ready check (round trips before the first WATCH) and a file descriptor on the server; a busy
// service would open and close thousands a second. A bounded pool pays that once, caps what one process
// holds on the server, and (fewer updates in flight on one key) caps the conflicts too. Callers beyond the
// pool's size wait, in order, for a connection to come back.
//
// The connections are duplicates of the caller's client (same server, options and keyPrefix), with
// autoResendUnfulfilledCommands off: after a lost reply, ioredis would otherwise send MULTI ... EXEC again
// on a new connection, which holds no WATCH, and the writes would land unguarded (test in faults.test.ts).
import type { Redis } from 'ioredis';
import { WatchServiceError } from './errors.ts';

export interface PoolStats {
  /** The most connections this pool opens. */
  readonly size: number;
  /** Connections open now (idle or leased). */
  readonly open: number;
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
}

interface Waiter {
  resolve(connection: Redis): void;
  reject(reason: unknown): void;
}

export class ConnectionPool {
  private readonly source: Redis;
  private readonly idle: Redis[] = [];
  private waiters: Waiter[] = [];
  private opened = 0;
  private closed = false;
  readonly size: number;

  constructor(source: Redis, size: number) {
    this.source = source;
    this.size = size;
  }

  get stats(): PoolStats {
    return { size: this.size, open: this.opened, idle: this.idle.length, waiting: this.waiters.length };
  }

  /** An idle connection, a new one while fewer than `size` are open, or the next one given back. */
  acquire(signal?: AbortSignal): Promise<Redis> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(new WatchServiceError('checkAndSet was closed: no more updates'));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.opened < this.size) return Promise.resolve(this.open());
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        resolve: (connection) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(connection);
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Gives back a connection that holds no WATCH and no open MULTI. */
  release(connection: Redis): void {
    if (this.closed) return this.drop(connection);
    const next = this.waiters.shift();
    if (next) next.resolve(connection);
    else this.idle.push(connection);
  }

  /** Closes a connection whose state is unknown (it broke, or could not be reset); a waiter gets a new one. */
  discard(connection: Redis): void {
    this.drop(connection);
    const next = this.waiters.shift();
    if (next) next.resolve(this.open());
  }

  /** Rejects the waiters and closes the idle connections; leased ones close when given back. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new WatchServiceError('checkAndSet was closed: no more updates'));
    const idle = this.idle.splice(0);
    this.opened -= idle.length;
    await Promise.all(idle.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private open(): Redis {
    this.opened++;
    const connection = this.source.duplicate({ autoResendUnfulfilledCommands: false });
    // A broken connection is reported to the attempt using it (it listens for 'close'); without a listener
    // ioredis would also print each connection error.
    connection.on('error', () => {});
    return connection;
  }

  private drop(connection: Redis): void {
    this.opened--;
    connection.disconnect(); // no reconnect, so nothing queued on it is ever sent again
  }
}
