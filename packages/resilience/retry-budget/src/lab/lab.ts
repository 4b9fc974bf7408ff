// The lab for tests, bench and demo: the service of ./service.ts in its own process, behind a toxiproxy
// proxy (clients call through `url`; the control and stats endpoints are reached directly).
import { fileURLToPath } from 'node:url';
import { proxyTo, spawnTsWorker, type ProxiedServer } from '@poc/harness';
import type { ServiceMode, ServiceStats } from './service.ts';

export interface Lab {
  /** Base URL through toxiproxy: what clients call. */
  url: string;
  proxy: ProxiedServer;
  setMode(mode: ServiceMode, everyNth?: number): Promise<void>;
  stats(): Promise<ServiceStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startLab(): Promise<Lab> {
  const worker = spawnTsWorker(fileURLToPath(new URL('./service.ts', import.meta.url)));
  try {
    const line = await worker.waitForLine(/^listening on \d+$/);
    const port = Number(line.split(' ').pop());
    const direct = `http://127.0.0.1:${port}`;
    const proxy = await proxyTo(`127.0.0.1:${port}`, { name: 'retry_budget' });
    const send = async (path: string, init?: RequestInit): Promise<unknown> => {
      const res = await fetch(`${direct}${path}`, init);
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      return res.json();
    };
    return {
      url: `http://${proxy.listen}`,
      proxy,
      async setMode(mode, everyNth) {
        await send('/control', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mode, everyNth }),
        });
      },
      stats: async () => (await send('/stats')) as ServiceStats,
      async reset() {
        await send('/reset', { method: 'POST' });
      },
      async close() {
        await proxy.close();
        await worker.kill();
      },
    };
  } catch (e) {
    await worker.kill();
    throw e;
  }
}
