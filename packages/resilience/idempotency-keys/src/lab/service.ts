// The payment API the tests, bench and demo talk to: a fastify app on PostgreSQL, run in its own process
// (`node --import tsx src/lab/service.ts`, started by startLab() in ./lab.ts) or in-process with a
// ManualClock (buildService). POST /payments is wrapped by idempotent(); /naive/payments by withoutKeys()
// and /after-commit/payments by recordAfterCommit(). GET /payments/count reads the side effect back.
// A request with `x-lab-crash: after-effect` stops dead after writing its payment (the handler never
// returns; the test SIGKILLs the process); `x-lab-crash: before-reply` stops after the commit, before the
// answer is sent (the reply lost after the server acted). `x-lab-barrier` holds requests on arrival until
// all of a group are in (see BARRIER_HEADER).
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Clock } from '@poc/kit';
import { idempotent, type Idempotent, type IdempotentHandler } from '../index.ts';
import { recordAfterCommit, withoutKeys } from '../naive.ts';

export interface ServiceOptions {
  pool: pg.Pool;
  ttlMs: number;
  clock?: Clock;
}

export const CRASH_HEADER = 'x-lab-crash';
/** `x-lab-barrier: <name>/<n>`: the request waits on arrival until n requests of that name have arrived. */
export const BARRIER_HEADER = 'x-lab-barrier';
const never = new Promise<never>(() => undefined);

/** The side effect: one payment row, written through the transaction the wrapper hands over. */
const pay: IdempotentHandler = async (request, db) => {
  const { account, amount } = (request.body ?? {}) as { account?: unknown; amount?: unknown };
  if (typeof account !== 'string' || !Number.isSafeInteger(amount) || (amount as number) <= 0)
    return { status: 400, body: { error: 'body must be { account: string, amount: positive integer }' } };
  const row = await db.query<{ id: string }>('INSERT INTO payments (account, amount) VALUES ($1, $2) RETURNING id', [
    account,
    amount,
  ]);
  if (request.headers[CRASH_HEADER] === 'after-effect') {
    console.log(`effect-applied ${String(request.headers['idempotency-key'])}`);
    await never; // SIGKILLed here by the test
  }
  return {
    status: 201,
    headers: { location: `/payments/${row.rows[0]!.id}` },
    body: { id: Number(row.rows[0]!.id), account, amount },
  };
};

export interface Service {
  app: FastifyInstance;
  variants: { pattern: Idempotent; naive: Idempotent; afterCommit: Idempotent };
}

export function buildService(options: ServiceOptions): Service {
  const app = Fastify({ logger: false });
  const { pool, ttlMs, clock } = options;
  const variants = {
    pattern: idempotent({ pool, ttlMs, clock }),
    naive: withoutKeys({ pool, ttlMs, clock }),
    afterCommit: recordAfterCommit({ pool, ttlMs, clock, table: 'naive_keys' }),
  };
  // Makes the duplicates' race certain: all of them are inside the server before any starts its work.
  const barriers = new Map<string, { arrived: number; open: () => void; opened: Promise<void> }>();
  app.addHook('onRequest', async (request) => {
    const spec = request.headers[BARRIER_HEADER];
    if (typeof spec !== 'string') return;
    const [name, n] = spec.split('/') as [string, string];
    let b = barriers.get(name);
    if (!b) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      b = { arrived: 0, open, opened };
      barriers.set(name, b);
    }
    if (++b.arrived >= Number(n)) b.open();
    await b.opened;
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.headers[CRASH_HEADER] === 'before-reply') {
      console.log(`committed ${String(request.headers['idempotency-key'])}`);
      await never; // SIGKILLed here by the test: the server acted, the client never hears
    }
    return payload;
  });
  app.post('/payments', variants.pattern.route(pay));
  app.post('/naive/payments', variants.naive.route(pay));
  app.post('/after-commit/payments', variants.afterCommit.route(pay));
  app.get('/payments/count', async () => {
    const res = await pool.query<{ n: string }>('SELECT count(*) AS n FROM payments');
    return { count: Number(res.rows[0]!.n) };
  });
  return { app, variants };
}

/** The tables: payments, and the keys of each wrapper. Run once, before any server process starts. */
export async function setupSchema(pool: pg.Pool): Promise<void> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS payments (id bigserial PRIMARY KEY, account text NOT NULL, amount bigint NOT NULL)',
  );
  const { variants } = buildService({ pool, ttlMs: 1 });
  for (const v of Object.values(variants)) await v.setup();
}

// Run as a process: listen on a free loopback port and print it for the parent (spawnTsWorker).
if (import.meta.url === `file://${process.argv[1]}`) {
  const pool = new pg.Pool({
    connectionString: process.env.LAB_DATABASE_URL,
    max: Number(process.env.LAB_POOL_MAX ?? 10),
  });
  const { app } = buildService({ pool, ttlMs: Number(process.env.LAB_TTL_MS ?? 86_400_000) });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${new URL(address).host}`);
}
