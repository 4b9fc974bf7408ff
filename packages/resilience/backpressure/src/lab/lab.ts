// Starts the lab service (./service.ts) in its own process and gives a client for it: its URL, its stats
// and its samples. One process per variant, so each variant's memory is its own.
import { fileURLToPath } from 'node:url';
import { spawnTsWorker, type WorkerProcess } from '@poc/harness';
import type { ServiceConfig, ServiceStats, Variant } from './service.ts';

export interface Lab extends AsyncDisposable {
  readonly worker: WorkerProcess;
  readonly config: ServiceConfig;
  /** http://host:port of the service. */
  readonly url: string;
  stats(): Promise<ServiceStats>;
  /** Drops the samples taken so far (the next run samples from scratch). */
  resetSamples(): Promise<void>;
  close(): Promise<void>;
}

export const LAB_DEFAULTS = { concurrency: 4, queue: 8, maxQueueWaitMs: 200, workMs: 40, sampleMs: 50 } as const;

const script = fileURLToPath(new URL('./service.ts', import.meta.url));

export async function startLab(
  variant: Variant,
  databaseUrl: string,
  options: Partial<Omit<ServiceConfig, 'variant' | 'databaseUrl'>> = {},
): Promise<Lab> {
  const config: ServiceConfig = { ...LAB_DEFAULTS, ...options, variant, databaseUrl };
  const worker = spawnTsWorker(script, [JSON.stringify(config)]);
  try {
    const url = `http://${(await worker.waitForLine(/^listening /)).slice('listening '.length)}`;
    const json = async (path: string, init?: RequestInit): Promise<unknown> => {
      const res = await fetch(`${url}${path}`, init);
      if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const lab: Lab = {
      worker,
      config,
      url,
      stats: async () => (await json('/stats')) as ServiceStats,
      async resetSamples() {
        await json('/stats/reset', { method: 'POST' });
      },
      close: () => worker.kill(),
      [Symbol.asyncDispose]: () => lab.close(),
    };
    return lab;
  } catch (e) {
    await worker.kill();
    throw e;
  }
}
