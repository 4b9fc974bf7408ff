// pnpm --filter poc-resilience-connection-leak bench: what tracking every checkout costs. Four pools of the
// same size on the same database, side by side in one process: bare pg (connect, query, release), the
// fix alone (withClient), and the leak detector with and without a stack captured per checkout. Two
// shapes: a checkout with a SELECT 1 round trip (what a handler does), and a checkout with no query
// (the client-side cost alone, the worst case for the ratio). Writes bench/results.json (never by hand).
import { benchReport, compareLoad, compareThroughput, postgresDatabase, postgresDurability } from '@poc/harness';
import { runMain } from '@poc/kit';
import pg from 'pg';
import { leakDetector, withClient } from '../src/index.ts';

const POOL_SIZE = 8;
const CONCURRENCY = 8;
const DURATION_MS = 2_000;
const ROUNDS = 5;
const MAX_CHECKOUT_MS = 30_000;

runMain(async () => {
  const db = await postgresDatabase({ name: 'connection_leak_bench' });
  const pools: pg.Pool[] = [];
  const pool = (): pg.Pool => {
    const p = new pg.Pool({ connectionString: db.url, max: POOL_SIZE });
    pools.push(p);
    return p;
  };
  try {
    const bare = pool();
    const fixed = pool();
    const tracked = pool();
    const noStack = pool();
    const leaks: unknown[] = [];
    const detectors = [
      leakDetector(tracked, { maxCheckoutMs: MAX_CHECKOUT_MS, onLeak: (r) => leaks.push(r) }),
      leakDetector(noStack, { maxCheckoutMs: MAX_CHECKOUT_MS, onLeak: (r) => leaks.push(r), captureStack: false }),
    ];
    // Warm: every pool opens its POOL_SIZE connections before anything is timed.
    for (const p of pools) {
      const clients = await Promise.all(Array.from({ length: POOL_SIZE }, () => p.connect()));
      clients.forEach((c) => c.release());
    }
    const report = benchReport({
      parameters: {
        poolSize: POOL_SIZE,
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        query: 'SELECT 1',
        maxCheckoutMs: MAX_CHECKOUT_MS,
        stackTraceLimit: Error.stackTraceLimit,
        durability: await postgresDurability(db.pool()),
      },
      services: ['postgres'],
    });

    const checkoutQuery = async (p: pg.Pool): Promise<void> => {
      const client = await p.connect();
      try {
        await client.query('SELECT 1');
      } finally {
        client.release();
      }
    };
    report.add(
      await compareLoad({
        id: 'query',
        title: `Checkout + SELECT 1 + release, ${CONCURRENCY} concurrent callers, pools of ${POOL_SIZE}`,
        variants: {
          bare: () => checkoutQuery(bare),
          withClient: () => withClient(fixed, (c) => c.query('SELECT 1')),
          tracked: () => checkoutQuery(tracked),
          'tracked-no-stack': () => checkoutQuery(noStack),
        },
        baseline: 'bare',
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );

    const checkoutOnly = async (p: pg.Pool): Promise<void> => {
      const client = await p.connect();
      client.release();
    };
    report.add(
      await compareThroughput({
        id: 'checkout',
        title: 'Checkout + release of a warm idle client, no query (client-side cost only)',
        variants: {
          bare: () => checkoutOnly(bare),
          tracked: () => checkoutOnly(tracked),
          'tracked-no-stack': () => checkoutOnly(noStack),
        },
        baseline: 'bare',
        rounds: ROUNDS,
        timeMs: DURATION_MS / 2,
      }),
    );
    report.add({
      id: 'leaks',
      title: 'leaks reported during the bench (must be 0)',
      value: leaks.length,
      unit: 'checkouts',
    });
    detectors.forEach((d) => d.detach());
    await report.finish(
      "POC's own claim, measured: tracking every checkout with its caller's stack, tracked ÷ bare pg throughput = {ratio:query/tracked} with a SELECT 1 round trip " +
        '({ratio:query/tracked-no-stack} without the stack, withClient alone {ratio:query/withClient}); on a checkout with no query, where only the client-side cost remains, {ratio:checkout/tracked} ({ratio:checkout/tracked-no-stack} without the stack).',
    );
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await db.close();
  }
});
