// The lab's dependency: a small fastify service, run in its own process (spawnTsWorker) so its work
// and the clients' retries do not share an event loop. GET /work is the call being retried; its
// behaviour is set through PUT /control: 'up' (200), 'down' (every call 503: the outage) or 'flaky'
// (every everyNth call 503: a transient failure rate of 1/everyNth, deterministic so counts are exact).
// GET /stats counts the calls that reached it; POST /reset zeroes them. Prints "listening on <port>".
import Fastify from 'fastify';

export type ServiceMode = 'up' | 'down' | 'flaky';
export interface ServiceStats {
  calls: number;
  ok: number;
  failed: number;
}

export function buildService() {
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  let mode: ServiceMode = 'up';
  let everyNth = 10;
  const stats: ServiceStats = { calls: 0, ok: 0, failed: 0 };

  app.get('/work', async (_req, reply) => {
    stats.calls++;
    const fail = mode === 'down' || (mode === 'flaky' && stats.calls % everyNth === 0);
    if (fail) {
      stats.failed++;
      return reply.code(503).header('retry-after', '1').send({ error: 'unavailable' });
    }
    stats.ok++;
    return { ok: true, call: stats.calls };
  });
  app.put<{ Body: { mode: ServiceMode; everyNth?: number } }>('/control', async (req) => {
    mode = req.body.mode;
    everyNth = req.body.everyNth ?? everyNth;
    return { mode, everyNth };
  });
  app.get('/stats', async () => stats);
  app.post('/reset', async () => {
    Object.assign(stats, { calls: 0, ok: 0, failed: 0 });
    return stats;
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = buildService();
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening on ${new URL(address).port}`);
}
