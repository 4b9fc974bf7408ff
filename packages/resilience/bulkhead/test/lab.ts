// The lab for the real-server tests: the fastify service in its own process, two toxiproxy proxies in
// front of it (one per dependency, so each is its own origin and its own fault domain), and helpers.
import { fileURLToPath } from 'node:url';
import { proxyTo, spawnTsWorker, type ProxiedServer, type WorkerProcess } from '@poc/harness';

export interface Lab extends AsyncDisposable {
  service: WorkerProcess;
  /** host:port of the service itself, for control and counters. */
  direct: string;
  fast: ProxiedServer;
  slow: ProxiedServer;
}

export async function startLab(): Promise<Lab> {
  const script = fileURLToPath(new URL('../src/lab/service.ts', import.meta.url));
  const service = spawnTsWorker(script);
  const direct = (await service.waitForLine(/^listening /)).slice('listening '.length);
  const fast = await proxyTo(direct, { name: 'bulkhead_fast' });
  const slow = await proxyTo(direct, { name: 'bulkhead_slow' });
  return {
    service,
    direct,
    fast,
    slow,
    async [Symbol.asyncDispose]() {
      await Promise.allSettled([fast.close(), slow.close()]);
      await service.kill();
    },
  };
}
