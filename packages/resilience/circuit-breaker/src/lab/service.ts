// The dependency of the tests, bench and demo: a small fastify service run in its own process
// (`node --import tsx src/lab/service.ts`, started by startLab() in ./lab.ts). GET /work is the call a
// breaker guards; PUT /mode makes it flap: 'up' answers 200, 'fail' answers 503 at once, 'hang' holds the
// request until the client gives up. GET /stats says how many /work requests reached it in each mode,
// which is how a test counts calls that hit a dead dependency.
import Fastify from 'fastify';

export const MODES = ['up', 'fail', 'hang'] as const;
export type Mode = (typeof MODES)[number];

export interface ServiceStats {
  mode: Mode;
  /** /work requests received, by the mode the service was in when each arrived. */
  received: Record<Mode, number>;
}

export function buildService(): ReturnType<typeof Fastify> {
  const app = Fastify({ logger: false });
  let mode: Mode = 'up';
  const received: Record<Mode, number> = { up: 0, fail: 0, hang: 0 };

  app.get('/work', async (_request, reply) => {
    received[mode]++;
    if (mode === 'up') return { ok: true };
    if (mode === 'fail') return reply.code(503).send({ ok: false, error: 'dependency down' });
    // 'hang': never answer; the client's timeout (or its abort) ends the request.
    return new Promise(() => undefined);
  });
  app.put<{ Body: { mode?: unknown } }>('/mode', async (request, reply) => {
    const next = request.body?.mode;
    if (!MODES.includes(next as Mode))
      return reply.code(400).send({ error: `mode must be one of ${MODES.join(', ')}` });
    mode = next as Mode;
    return { mode };
  });
  app.get('/stats', async (): Promise<ServiceStats> => ({ mode, received: { ...received } }));
  app.post('/stats/reset', async () => {
    for (const m of MODES) received[m] = 0;
    return { ok: true };
  });
  return app;
}

// Run as a process: listen on a free loopback port and print it for the parent (spawnTsWorker).
if (import.meta.url === `file://${process.argv[1]}`) {
  const app = buildService();
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${new URL(address).host}`);
}
