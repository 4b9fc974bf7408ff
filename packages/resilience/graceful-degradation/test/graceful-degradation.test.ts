// Against the real service (./src/lab: fastify in its own process, PostgreSQL through toxiproxy, Redis
// direct). The link to PostgreSQL is cut (connections closed, new ones refused) or hung (toxiproxy's timeout
// toxic: data dropped, connections kept). Counts only: statuses, Degraded headers, and the service's own
// counts of what its breaker did and what its fallbacks were given. No sleeps, no timing thresholds: the
// client's own give-up (CLIENT_TIMEOUT_MS, ten times the service's query timeout) only marks a request
// that would otherwise wait for ever, against a hang that never ends.
import { eventually, postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_DEFAULTS, startLab, type Answer, type Lab } from '../src/lab/lab.ts';
import { PRODUCTS } from '../src/lab/schema.ts';
import type { Variant } from '../src/lab/service.ts';

const N = 24; // requests during a fault, cycling over the three endpoints and the products
let db: PostgresDatabase;
let redis: RedisNamespace;
const labs: Lab[] = [];
beforeAll(async () => {
  db = await postgresDatabase({ name: 'graceful_degradation' });
  redis = await redisNamespace({ name: 'graceful_degradation' });
});
afterAll(async () => {
  await Promise.all(labs.map((l) => l.close()));
  await Promise.all([db?.close(), redis?.close()]);
});

async function start(variant: Variant): Promise<Lab> {
  const lab = await startLab(variant, db, redis);
  labs.push(lab);
  return lab;
}

const paths = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => {
    const id = PRODUCTS[Math.floor(i / 3) % PRODUCTS.length]!.id;
    return [`/products/${id}`, `/products/${id}/recommendations`, `/products/${id}/reviews`][i % 3]!;
  });

/** Every endpoint for every product, healthy: all fresh (and the product copies land in Redis). */
async function healthyPass(lab: Lab): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const path of paths(PRODUCTS.length * 3)) answers.push(await lab.get(path));
  return answers;
}

const tally = (answers: Answer[]): Record<string, number> => {
  const t: Record<string, number> = {};
  for (const a of answers) {
    const key =
      a.status === 0
        ? 'client timeout'
        : a.status === 200
          ? `200 ${a.degraded?.split(';')[0] ?? 'fresh'}`
          : `${a.status}`;
    t[key] = (t[key] ?? 0) + 1;
  }
  return t;
};

describe('PostgreSQL cut or hung behind toxiproxy', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await start('degrade');
  });

  it('healthy: every endpoint answers fresh, nothing degraded', async () => {
    expect(tally(await healthyPass(lab))).toEqual({ '200 fresh': 12 });
  });

  it('cut: every endpoint answers 200 marked degraded; the breaker opens and only its probes reach the dead link; restored, the probe succeeds and answers are fresh again', async () => {
    expect(tally(await healthyPass(lab))).toEqual({ '200 fresh': 12 }); // fills the stale copies
    await lab.cut();
    const answers: Answer[] = [];
    for (const path of paths(N)) answers.push(await lab.get(path));
    expect(tally(answers)).toEqual({ '200 stale': N / 3, '200 default': N / 3, '200 feature-off': N / 3 });
    const product = answers[0]!;
    expect(product.degraded).toMatch(/^stale; age=\d+$/);
    expect(product.body).toMatchObject({ id: 1, name: 'kettle', degraded: { reason: 'stale' } });
    expect(answers[2]!.body).toEqual({
      reviews: [],
      features: { reviews: false },
      degraded: { reason: 'feature-off' },
    });

    const { breaker, seen } = await lab.stats();
    // Every degraded answer came from a failure that reached the link (threshold, then one per probe) or
    // from the open circuit refusing at once; nothing else.
    expect(breaker!.state).toBe('open');
    expect(breaker!.failed).toBe(LAB_DEFAULTS.threshold + breaker!.probes);
    expect(breaker!.failed + breaker!.rejected).toBe(N);
    expect(seen).toEqual({ timeout: 0, open: breaker!.rejected, other: breaker!.failed });

    await lab.restore();
    await eventually(
      async () => {
        const a = await lab.get('/products/1');
        if (a.degraded !== null) throw new Error(`still degraded: ${a.degraded}`);
        return true;
      },
      { timeoutMs: 20_000, what: 'a fresh answer after the restore' },
    );
    const after = await lab.stats();
    expect(after.breaker!.state).toBe('closed');
    expect(after.breaker!.probes).toBeGreaterThan(breaker!.probes); // the probe that closed it
    expect(tally(await healthyPass(lab))).toEqual({ '200 fresh': 12 });
  });

  it('hang: still 200 degraded, every failure a timeout of the query (never the client giving up) or a refusal at once', async () => {
    const before = (await lab.stats()).breaker!;
    await lab.hang();
    const answers: Answer[] = [];
    for (const path of paths(N)) answers.push(await lab.get(path));
    expect(tally(answers)).toEqual({ '200 stale': N / 3, '200 default': N / 3, '200 feature-off': N / 3 });
    const { breaker, seen } = await lab.stats();
    const failed = breaker!.failed - before.failed;
    const probes = breaker!.probes - before.probes;
    expect(breaker!.state).toBe('open');
    expect(failed).toBe(LAB_DEFAULTS.threshold + probes);
    expect(failed + breaker!.rejected - before.rejected).toBe(N);
    expect(seen.timeout).toBe(failed); // each failure was the timeout policy ending the wait
    // A hung link ends when its connections are closed: cut, then restore, and the breaker's probe succeeds.
    await lab.cut();
    await lab.restore();
    await eventually(
      async () => {
        const a = await lab.get('/products/2/reviews');
        if (a.degraded !== null) throw new Error(`still degraded: ${a.degraded}`);
        return true;
      },
      { timeoutMs: 20_000, what: 'a fresh answer after the restore' },
    );
    expect((await lab.stats()).breaker!.state).toBe('closed');
  });
});

describe('break it: the same faults without the pattern', () => {
  it('no fallback: the cut gives a 500 on every request, the hang a request the client gives up on', async () => {
    const lab = await start('none');
    expect(tally(await healthyPass(lab))).toEqual({ '200 fresh': 12 });
    await lab.cut();
    const cut: Answer[] = [];
    for (const path of paths(6)) cut.push(await lab.get(path));
    expect(tally(cut)).toEqual({ '500': 6 });
    await lab.restore();
    await lab.hang();
    const hung = await Promise.all(paths(6).map((p) => lab.get(p)));
    expect(tally(hung)).toEqual({ 'client timeout': 6 });
  });

  it('naive try/catch fallback: fine while the link refuses fast, but a hang never reaches the catch', async () => {
    const lab = await start('catch');
    expect(tally(await healthyPass(lab))).toEqual({ '200 fresh': 12 });
    await lab.cut();
    const cut: Answer[] = [];
    for (const path of paths(6)) cut.push(await lab.get(path));
    expect(tally(cut)).toEqual({ '200 stale': 2, '200 default': 2, '200 feature-off': 2 });
    expect((await lab.stats()).seen.other).toBe(6); // every request went to the dead link: no breaker
    await lab.restore();
    await lab.hang();
    const hung = await Promise.all(paths(6).map((p) => lab.get(p)));
    expect(tally(hung)).toEqual({ 'client timeout': 6 });
  });
});
