// Redis for one suite: the shared server, a key prefix nobody else uses, and clients that fail fast.
import { Redis, type RedisOptions } from 'ioredis';
import { uniqueName } from '../testing/names.ts';
import { serverFor, startPrivateServer } from './servers.ts';
import type { PrivateServer } from './types.ts';

/**
 * An ioredis client with defaults that surface a dead server as an error within seconds instead of
 * queueing commands forever: bounded connect timeout and per-command retries.
 */
export function redisClient(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectTimeout: 5_000,
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    ...options,
  });
}

export interface RedisNamespace extends AsyncDisposable {
  readonly url: string;
  /** Every key this suite writes starts with it, e.g. "t_m3k2_9f1c2a7b:". */
  readonly prefix: string;
  /** A new client whose keys (including EVAL KEYS) are put under `prefix`; quit on close(). */
  client(options?: RedisOptions): Redis;
  /** Deletes the suite's keys and quits its clients. Idempotent. */
  close(): Promise<void>;
}

/** Isolation for one suite on the shared server (a key prefix; costs one SCAN at close). */
export async function redisNamespace(options: { name?: string } = {}): Promise<RedisNamespace> {
  const server = await serverFor('redis');
  const prefix = `${uniqueName(options.name ?? 't')}:`;
  const clients = new Set<Redis>();
  let closed = false;
  const ns: RedisNamespace = {
    url: server.url,
    prefix,
    client(clientOptions = {}) {
      const c = redisClient(server.url, { ...clientOptions, keyPrefix: prefix });
      clients.add(c);
      return c;
    },
    async close() {
      if (closed) return;
      closed = true;
      const admin = redisClient(server.url);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await admin.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
        for (const c of clients) c.disconnect();
        clients.clear();
      }
    },
    [Symbol.asyncDispose]: () => ns.close(),
  };
  return ns;
}

/**
 * A Redis server of its own (for restart / kill tests). Close it when done. No persistence unless
 * asked: e.g. `privateRedis({ config: [['appendonly', 'yes'], ['appendfsync', 'always']] })`.
 */
export const privateRedis = (options: { config?: Array<[string, string]> } = {}): Promise<PrivateServer> =>
  startPrivateServer('redis', options);
