// The payment API in its own process (spawnTsWorker) on a real PostgreSQL: what the README promises, read
// back from the database (the payments table), and the "break it" case. Expiry runs the same app in-process
// with a ManualClock (fastify's inject, real PostgreSQL). No sleeps, no timing thresholds: counts only.
import { postgresDatabase, uniqueName, type PostgresDatabase } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type Reply, type Route } from '../src/lab/lab.ts';
import { buildService, setupSchema } from '../src/lab/service.ts';

const DUPLICATES = 50;
let db: PostgresDatabase;
let lab: Lab;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'idempotency_keys' }); // a database of its own
  await setupSchema(db.pool());
  lab = await startLab(db.url);
});
afterAll(async () => {
  await lab?.close();
  await db?.close();
});

/** Payments made while `run` ran, read back from the table. */
async function paymentsDuring(run: () => Promise<unknown>): Promise<number> {
  const before = await lab.payments();
  await run();
  return (await lab.payments()) - before;
}

/**
 * DUPLICATES identical POSTs at once, all held on arrival until every one is inside the server (a barrier
 * in the lab service), after a warm-up that fills the server's pool; answers counted by kind.
 */
async function storm(route: Route, key?: string): Promise<Record<string, number>> {
  await Promise.all(Array.from({ length: 10 }, () => lab.payments())); // warm connections on both sides
  const barrier = { name: uniqueName('b'), n: DUPLICATES };
  const replies = await Promise.all(Array.from({ length: DUPLICATES }, () => lab.post(route, { key, barrier })));
  const kind = (r: Reply): string => (r.status === 201 ? (r.replayed ? 'replayed' : 'executed') : String(r.status));
  const counts: Record<string, number> = {};
  for (const r of replies) counts[kind(r)] = (counts[kind(r)] ?? 0) + 1;
  return counts;
}

describe('idempotency keys on a payment API (a separate server process)', () => {
  it(`${DUPLICATES} concurrent identical POSTs with one key make exactly 1 payment; the others are replays or 409s (5 rounds)`, async () => {
    for (let round = 0; round < 5; round++) {
      let counts: Record<string, number> = {};
      const made = await paymentsDuring(async () => (counts = await storm('/payments', uniqueName('k'))));
      expect(made).toBe(1);
      expect(counts.executed).toBe(1);
      expect((counts.replayed ?? 0) + (counts['409'] ?? 0)).toBe(DUPLICATES - 1);
      expect(Object.keys(counts).every((k) => ['executed', 'replayed', '409'].includes(k))).toBe(true);
      console.log(`${DUPLICATES} duplicates: ${JSON.stringify(counts)}`);
    }
  });

  it(`break it: the same ${DUPLICATES} POSTs to the handler without keys make ${DUPLICATES} payments`, async () => {
    let counts: Record<string, number> = {};
    const made = await paymentsDuring(async () => (counts = await storm('/naive/payments', uniqueName('k'))));
    expect(made).toBe(DUPLICATES);
    expect(counts).toEqual({ executed: DUPLICATES });
  });

  it('replays the stored status, headers and body for a later duplicate, marked as a replay', async () => {
    const key = uniqueName('k');
    const res1 = await fetch(`${lab.url}/payments`, post(key, { account: 'a', amount: 7 }));
    const res2 = await fetch(`${lab.url}/payments`, post(key, { account: 'a', amount: 7 }));
    expect([res1.status, res2.status]).toEqual([201, 201]);
    expect(res2.headers.get('location')).toBe(res1.headers.get('location'));
    expect([res1.headers.get('idempotent-replayed'), res2.headers.get('idempotent-replayed')]).toEqual([null, 'true']);
    expect(await res2.json()).toEqual(await res1.json());
  });

  it('answers 422 to the same key with a different body, and pays nothing more', async () => {
    const key = uniqueName('k');
    expect((await lab.post('/payments', { key, body: { account: 'a', amount: 5 } })).status).toBe(201);
    let second: Reply | undefined;
    const made = await paymentsDuring(
      async () => (second = await lab.post('/payments', { key, body: { account: 'a', amount: 500 } })),
    );
    expect(second).toMatchObject({
      status: 422,
      body: { error: 'this idempotency-key was used for a different request' },
    });
    expect(made).toBe(0);
  });

  it.each([
    ['missing', undefined, 'the idempotency-key header is required on this route'],
    ['empty', '', 'the idempotency-key header must be one value of 1 to 255 characters'],
    ['too long', 'k'.repeat(256), 'the idempotency-key header must be one value of 1 to 255 characters'],
  ])('answers 400 to a %s key and pays nothing', async (_what, key, error) => {
    let reply: Reply | undefined;
    const made = await paymentsDuring(async () => (reply = await lab.post('/payments', { key })));
    expect(reply).toEqual({ status: 400, replayed: false, body: { error } });
    expect(made).toBe(0);
  });
});

describe('expiry (the same app in-process, time from a ManualClock)', () => {
  it('replays until the TTL is over, then the key is free again: purged and reusable for a new request', async () => {
    const clock = new ManualClock();
    const TTL = 60_000;
    const { app, variants } = buildService({ pool: db.pool(), ttlMs: TTL, clock });
    const key = uniqueName('k');
    const send = (amount: number) =>
      app.inject({
        method: 'POST',
        url: '/payments',
        headers: { 'idempotency-key': key },
        payload: { account: 'exp', amount },
      });
    const count = async (): Promise<number> =>
      Number((await db.pool().query(`SELECT count(*) AS n FROM payments WHERE account = 'exp'`)).rows[0].n);

    expect((await send(1)).headers['idempotent-replayed']).toBeUndefined();
    await clock.advance(TTL - 1);
    const late = await send(1);
    expect([late.statusCode, late.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect((await send(2)).statusCode).toBe(422);
    expect(await variants.pattern.purge()).toBe(0); // not expired yet
    await clock.advance(1);
    expect(await count()).toBe(1);
    // Expired: the key is reused on sight, even for another body (a new request, a new payment).
    const again = await send(2);
    expect([again.statusCode, again.headers['idempotent-replayed']]).toEqual([201, undefined]);
    expect(await count()).toBe(2);
    await clock.advance(TTL);
    expect(await variants.pattern.purge()).toBeGreaterThanOrEqual(1);
    const left = await db.pool().query(`SELECT count(*) AS n FROM idempotency_keys WHERE key = $1`, [key]);
    expect(Number(left.rows[0].n)).toBe(0);
    await app.close();
  });
});

function post(key: string, body: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  };
}
