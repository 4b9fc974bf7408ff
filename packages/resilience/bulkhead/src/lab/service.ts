// The dependency the tests, the bench and the demo call: a small fastify service in its own process
// (spawnTsWorker), reached through toxiproxy. GET /work?dep=fast|slow answers at once, unless that
// dependency is held (POST /hold?dep=slow), then it answers when released (POST /release?dep=slow):
// a hang the test controls, where the bench uses toxiproxy latency instead. GET /stats counts what it saw.
import Fastify, { type FastifyInstance } from 'fastify';
import { pathToFileURL } from 'node:url';

type Dep = 'fast' | 'slow';
const deps: readonly Dep[] = ['fast', 'slow'];

export interface ServiceStats {
  received: Record<Dep, number>;
  answered: Record<Dep, number>;
}

export function buildService(): FastifyInstance {
  const app = Fastify({ logger: false });
  const received: Record<Dep, number> = { fast: 0, slow: 0 };
  const answered: Record<Dep, number> = { fast: 0, slow: 0 };
  const held: Record<Dep, Array<() => void> | null> = { fast: null, slow: null };
  const depOf = (query: unknown): Dep => {
    const dep = (query as { dep?: string }).dep;
    if (!deps.includes(dep as Dep)) throw Object.assign(new Error('dep must be fast or slow'), { statusCode: 400 });
    return dep as Dep;
  };

  app.get('/work', async (request) => {
    const dep = depOf(request.query);
    received[dep]++;
    const waiters = held[dep];
    if (waiters) await new Promise<void>((resolve) => waiters.push(resolve));
    answered[dep]++;
    return { dep };
  });
  app.post('/hold', async (request) => {
    held[depOf(request.query)] ??= [];
    return { ok: true };
  });
  app.post('/release', async (request) => {
    const dep = depOf(request.query);
    const waiters = held[dep] ?? [];
    held[dep] = null;
    for (const w of waiters) w();
    return { released: waiters.length };
  });
  app.post('/reset', async () => {
    for (const d of deps) {
      received[d] = 0;
      answered[d] = 0;
    }
    return { ok: true };
  });
  app.get('/stats', async (): Promise<ServiceStats> => ({ received: { ...received }, answered: { ...answered } }));
  return app;
}

// Run as a script (spawnTsWorker): listen on a free loopback port and print it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = buildService();
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${new URL(address).host}`);
}
