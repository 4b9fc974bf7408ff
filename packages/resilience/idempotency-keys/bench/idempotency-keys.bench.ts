// pnpm --filter poc-resilience-idempotency-keys bench: what the idempotency layer costs, side by side in
// one process against the payment API in its own process (src/lab/service.ts), over HTTP on loopback:
//  - "post": a new payment per POST, through the handler alone (no keys) vs through idempotent() with a
//    fresh key each time (the advisory lock, the lookup and the key's row, in the same transaction);
//  - "replay": a first execution (fresh key) vs a replay (one key whose response is stored).
// Writes bench/results.json (never edit it by hand; the README's "Measured" section is rendered from it).
import { postgresDatabase, uniqueName } from '@poc/harness';
import { benchReport, compareLoad, postgresDurability } from '@poc/harness/bench';
import { runMain } from '@poc/kit';
import { startLab } from '../src/lab/lab.ts';
import { setupSchema } from '../src/lab/service.ts';

const CONCURRENCY = 8;
const SERVER_POOL = 10;
const DURATION_MS = 2_000;
const ROUNDS = 6;

runMain(async () => {
  const db = await postgresDatabase({ name: 'idempotency_keys_bench' }); // a database of its own
  await setupSchema(db.pool());
  const lab = await startLab(db.url, { LAB_POOL_MAX: String(SERVER_POOL) });
  try {
    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        serverPoolSize: SERVER_POOL,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        transport: 'HTTP/1.1 on loopback to a fastify process (keep-alive, Node fetch)',
        ttlMs: 86_400_000,
        postgres: await postgresDurability(db.pool()),
      },
      services: ['postgres'],
    });
    const expect201 = async (reply: Promise<{ status: number }>): Promise<void> => {
      const { status } = await reply;
      if (status !== 201) throw new Error(`expected 201, got ${status}`);
    };
    const fresh = () => expect201(lab.post('/payments', { key: uniqueName('b') }));
    const bare = () => expect201(lab.post('/naive/payments'));
    const replayKey = uniqueName('replay');
    await fresh();
    await bare();
    await expect201(lab.post('/payments', { key: replayKey })); // stored once; replayed from here on

    report.add(
      await compareLoad({
        id: 'post',
        title: `a new payment per POST, ${CONCURRENCY} concurrent clients: handler alone vs idempotent() with a fresh key`,
        variants: { none: bare, idempotent: fresh },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );
    report.add(
      await compareLoad({
        id: 'replay',
        title: `idempotent() POSTs, ${CONCURRENCY} concurrent clients: first execution (fresh key) vs replay of a stored response`,
        variants: { first: fresh, replay: () => expect201(lab.post('/payments', { key: replayKey })) },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );
    await report.finish(
      'POC’s own claim, measured: a new payment through idempotent() runs at {ratio:post/idempotent} of the throughput of the bare handler ' +
        '(p50 {p50:post/idempotent} vs {p50:post/none}); a replay of a stored response runs at {ratio:replay/replay} of a first execution ' +
        '(p50 {p50:replay/replay} vs {p50:replay/first}).',
    );
  } finally {
    await lab.close();
    await db.close();
  }
});
