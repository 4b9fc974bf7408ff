// Starts the lab service (./service.ts) in its own process, reading PostgreSQL through a toxiproxy proxy
// (cut() / hang() act on that link only), and gives a client for it.
import { fileURLToPath } from 'node:url';
import {
  proxyTo,
  spawnTsWorker,
  type PostgresDatabase,
  type ProxiedServer,
  type RedisNamespace,
  type WorkerProcess,
} from '@poc/harness';
import { seed } from './schema.ts';
import type { ServiceConfig, ServiceStats, Variant } from './service.ts';

export interface Answer {
  status: number;
  /** The Degraded header, or null for a fresh answer. */
  degraded: string | null;
  body: unknown;
}

export interface Lab extends AsyncDisposable {
  readonly worker: WorkerProcess;
  readonly proxy: ProxiedServer;
  readonly url: string;
  readonly config: ServiceConfig;
  /** GET `path`; a client that gives up after `clientTimeoutMs` gets { status: 0 } (counted as a timeout). */
  get(path: string, clientTimeoutMs?: number): Promise<Answer>;
  /** Cuts the link to PostgreSQL: connections closed, new ones refused. */
  cut(): Promise<void>;
  /** Keeps the link open but lets no data through (toxiproxy's timeout toxic with timeout 0): a hang. */
  hang(): Promise<void>;
  restore(): Promise<void>;
  stats(): Promise<ServiceStats>;
  close(): Promise<void>;
}

export const LAB_DEFAULTS = { timeoutMs: 300, threshold: 5, halfOpenAfterMs: 1_000 } as const;
export const CLIENT_TIMEOUT_MS = 3_000;

const script = fileURLToPath(new URL('./service.ts', import.meta.url));

export async function startLab(
  variant: Variant,
  db: PostgresDatabase,
  redis: RedisNamespace,
  options: Partial<Pick<ServiceConfig, 'timeoutMs' | 'threshold' | 'halfOpenAfterMs'>> = {},
): Promise<Lab> {
  const direct = db.pool();
  try {
    await seed(direct);
  } finally {
    await direct.end();
  }
  const proxy = await proxyTo(new URL(db.url).host, { name: 'degradation_pg' });
  const config: ServiceConfig = {
    ...LAB_DEFAULTS,
    ...options,
    variant,
    databaseUrl: proxy.via(db.url),
    redisUrl: redis.url,
    redisPrefix: redis.prefix,
  };
  const worker = spawnTsWorker(script, [JSON.stringify(config)]);
  try {
    const url = `http://${(await worker.waitForLine(/^listening /)).slice('listening '.length)}`;
    const lab: Lab = {
      worker,
      proxy,
      url,
      config,
      async get(path, clientTimeoutMs = CLIENT_TIMEOUT_MS) {
        try {
          const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(clientTimeoutMs) });
          return { status: res.status, degraded: res.headers.get('degraded'), body: await res.json() };
        } catch (e) {
          if (e instanceof DOMException && e.name === 'TimeoutError') return { status: 0, degraded: null, body: null };
          throw e;
        }
      },
      cut: () => proxy.cut(),
      async hang() {
        await proxy.proxy.addToxic({
          name: 'hang',
          type: 'timeout',
          stream: 'downstream',
          toxicity: 1,
          attributes: { timeout: 0 },
        } as never);
      },
      restore: () => proxy.restore(),
      async stats() {
        const res = await fetch(`${url}/stats`);
        return (await res.json()) as ServiceStats;
      },
      async close() {
        try {
          await worker.kill();
        } finally {
          await proxy.close();
        }
      },
      [Symbol.asyncDispose]: () => lab.close(),
    };
    return lab;
  } catch (e) {
    await worker.kill();
    await proxy.close();
    throw e;
  }
}
