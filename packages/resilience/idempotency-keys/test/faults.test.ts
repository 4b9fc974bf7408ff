// Crashes (POC_STANDARD.md §3): the server process SIGKILLed in the middle of a request, the reply lost
// after the commit, and PostgreSQL itself killed. Each time the client retries with the same key and the
// payments table is read back: exactly one payment, where the naive "record the key after the effect"
// version pays twice.
import { eventually, postgresDatabase, privatePostgres, uniqueName, type PostgresDatabase } from '@poc/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isIdempotencyKeysError } from '../src/index.ts';
import { startLab, type Route } from '../src/lab/lab.ts';
import { buildService, setupSchema } from '../src/lab/service.ts';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'idempotency_keys_faults' });
  await setupSchema(db.pool());
});
afterAll(() => db?.close());

const paymentsOf = async (account: string): Promise<number> =>
  Number((await db.pool().query('SELECT count(*) AS n FROM payments WHERE account = $1', [account])).rows[0].n);

/** POST with a crash point, SIGKILL the server there, start a new one, retry: how many payments, and the retry's answer. */
async function crashThenRetry(route: Route, crash: 'after-effect' | 'before-reply') {
  const key = uniqueName('k');
  const account = uniqueName('acct');
  const body = { account, amount: 100 };
  const first = await startLab(db.url);
  onTestFinished(() => first.close());
  const lost = first.post(route, { key, body, crash }).catch((e: unknown) => e); // never answered
  await first.worker.waitForLine(crash === 'after-effect' ? `effect-applied ${key}` : `committed ${key}`);
  await first.worker.kill();
  expect(await lost).toBeInstanceOf(Error); // the connection died with the server
  const second = await startLab(db.url);
  onTestFinished(() => second.close());
  // Until PostgreSQL has seen the dead connection, its transaction may still hold the key: a retry then
  // gets 409, which the draft tells the client to retry later; so does this one.
  const retry = await eventually(
    async () => {
      const reply = await second.post(route, { key, body });
      if (reply.status === 409) throw new Error('409: the killed request still holds the key');
      return reply;
    },
    { what: 'a retry that is not answered 409' },
  );
  return { payments: await paymentsOf(account), retry };
}

describe('a server process SIGKILLed mid-request, then the client retries with the same key', () => {
  it('killed after writing the payment, before the commit: the retry pays once (the transaction died with the process)', async () => {
    const { payments, retry } = await crashThenRetry('/payments', 'after-effect');
    expect(retry).toMatchObject({ status: 201, replayed: false });
    expect(payments).toBe(1);
  });

  it('break it: recording the key after the payment committed pays twice across the same crash', async () => {
    const { payments, retry } = await crashThenRetry('/after-commit/payments', 'after-effect');
    expect(retry).toMatchObject({ status: 201, replayed: false });
    expect(payments).toBe(2);
  });

  it('killed after the commit, before the reply (the reply lost): the retry gets the stored response', async () => {
    const { payments, retry } = await crashThenRetry('/payments', 'before-reply');
    expect(retry).toMatchObject({ status: 201, replayed: true });
    expect(payments).toBe(1);
  });
});

describe('when PostgreSQL dies (a private server, default durability: fsync and synchronous_commit on)', () => {
  it('answers 500 with a ServiceError while it is down, and the retry after the restart pays once; what was committed survives', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // idle connections dropped by the kill are expected
    onTestFinished(() => pool.end());
    await setupSchema(pool);
    const { app } = buildService({ pool, ttlMs: 60_000 });
    const errors: unknown[] = [];
    app.setErrorHandler((e, _req, reply) => {
      errors.push(e);
      return reply.code(500).send({ error: (e as Error).message });
    });
    onTestFinished(() => app.close());
    const send = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/payments',
        headers: { 'idempotency-key': key },
        payload: { account: 'pg', amount: 3 },
      });
    const count = async (): Promise<number> =>
      Number((await pool.query('SELECT count(*) AS n FROM payments')).rows[0].n);

    expect((await send('before-kill')).statusCode).toBe(201); // acknowledged before the fault
    await server.kill();
    expect((await send('during')).statusCode).toBe(500);
    expect(isIdempotencyKeysError(errors[0], 'service')).toBe(true);
    await server.start();
    expect((await send('during')).headers['idempotent-replayed']).toBeUndefined();
    expect((await send('during')).headers['idempotent-replayed']).toBe('true');
    expect((await send('before-kill')).headers['idempotent-replayed']).toBe('true'); // its key survived the kill
    expect(await count()).toBe(2);
  });
});
