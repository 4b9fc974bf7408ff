// Starts the lab service in its own process behind a toxiproxy proxy, and gives a client for it: the
// guarded call (`work`), the control endpoint (`setMode`) and the service's own counts (`stats`). The
// control calls go to the service directly, so a toxic on the proxy never blocks them.
import { fileURLToPath } from 'node:url';
import { proxyTo, spawnTsWorker, type ProxiedServer, type WorkerProcess } from '@poc/harness';
import type { Mode, ServiceStats } from './service.ts';

export interface Lab extends AsyncDisposable {
  readonly worker: WorkerProcess;
  readonly proxy: ProxiedServer;
  /** GET /work through the proxy; rejects on a non-2xx answer, a reset or the signal. */
  work(signal: AbortSignal): Promise<unknown>;
  setMode(mode: Mode): Promise<void>;
  stats(): Promise<ServiceStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by work() when the service answers with an error status. */
export class ServiceReplyError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`lab service answered ${status}`);
    this.status = status;
  }
}

const script = fileURLToPath(new URL('./service.ts', import.meta.url));

export async function startLab(): Promise<Lab> {
  const worker = spawnTsWorker(script);
  let proxy: ProxiedServer | undefined;
  try {
    const direct = (await worker.waitForLine(/^listening /)).slice('listening '.length);
    proxy = await proxyTo(direct, { name: 'breaker_lab' });
    const via = `http://${proxy.listen}`;
    const control = `http://${direct}`;
    const json = async (path: string, init?: RequestInit): Promise<unknown> => {
      const res = await fetch(`${control}${path}`, init);
      if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const p = proxy;
    const lab: Lab = {
      worker,
      proxy: p,
      async work(signal) {
        const res = await fetch(`${via}/work`, { signal });
        const body: unknown = await res.json();
        if (!res.ok) throw new ServiceReplyError(res.status);
        return body;
      },
      async setMode(mode) {
        await json('/mode', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mode }),
        });
      },
      stats: async () => (await json('/stats')) as ServiceStats,
      async resetStats() {
        await json('/stats/reset', { method: 'POST' });
      },
      async close() {
        try {
          await p.close();
        } finally {
          await worker.kill();
        }
      },
      [Symbol.asyncDispose]: () => lab.close(),
    };
    return lab;
  } catch (e) {
    await proxy?.close();
    await worker.kill();
    throw e;
  }
}
