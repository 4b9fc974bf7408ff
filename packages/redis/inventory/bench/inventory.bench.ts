// pnpm --filter poc-redis-inventory bench: the roadmap's claim (oversell count: naive > 0, POC = 0) and
// what the Lua script costs against the two other correct ways to reserve, side by side in one process:
//   1. Correctness (facts): flash sales of 1,000 buyers on 100 units, all at once, through each variant;
//      oversold = buyers told "reserved" - units. No barrier here: the naive race happens on its own.
//   2. Reservations/s on one hot SKU, every caller on it (a flash sale), and on separate SKUs (no
//      contention): Lua script (the baseline) vs WATCH/MULTI/EXEC vs PostgreSQL `UPDATE ... WHERE
//      available >= $q` (+ the naive round trips on the hot SKU, for the price of correctness).
// Every variant does the same work per call (take the units, record the hold with its deadline,
// idempotent per reservation id), starts each run on a fresh SKU, and has the same connections and warm-up.
import { benchReport, compareLoad, postgresDatabase, redisNamespace } from '@poc/harness';
import { runMain, systemClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { flashSale } from '../src/flash-sale.ts';
import { inventory, type Reserver } from '../src/index.ts';
import { naiveInventory } from '../src/naive.ts';
import { postgresInventory } from '../src/postgres-inventory.ts';
import { watchInventory } from '../src/watch-inventory.ts';

const CONCURRENCY = 16;
const DURATION_MS = 1_000;
const ROUNDS = 6;
const BUYERS = 1_000;
const UNITS = 100;
const SALES = 3;
const BOTTOMLESS = 1_000_000_000; // stock for the throughput runs: every call reserves
const RESERVATION_TTL_MS = 60_000; // longer than any run, so no hold ends inside one
const RECEIPT_TTL_MS = 1_000; // receipts vanish soon after the bench: it writes hundreds of thousands

runMain(async () => {
  const ns = await redisNamespace({ name: 'inventory_bench' });
  const db = await postgresDatabase({ name: 'inventory_bench' });
  try {
    const clients: Redis[] = Array.from({ length: CONCURRENCY }, () => ns.client());
    const pool = db.pool({ max: CONCURRENCY });
    // Open every connection before anything is timed.
    await Promise.all(clients.map((c) => c.ping()));
    await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.query('SELECT 1')));

    const options = { name: 'bench', reservationTtlMs: RESERVATION_TTL_MS, receiptTtlMs: RECEIPT_TTL_MS };
    // The script reads the server's clock where it runs (its default); the others read this process's
    // clock, their cheapest way to know the time (WATCH would otherwise pay a TIME round trip).
    const clientClock = { ...options, clock: systemClock };
    const admin = inventory(clients[0]!, options);
    const lua = clients.map((c) => inventory(c, options));
    const naive = clients.map((c) => naiveInventory(c, clientClock));
    const watch = watchInventory(clients, clientClock);
    const postgres = postgresInventory(pool, clientClock);
    await postgres.create();

    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        connections: `${CONCURRENCY} Redis connections shared by the Redis variants (WATCH: one transaction per connection at a time), a pg pool of ${CONCURRENCY}`,
        durationMsPerVariantPerRound: DURATION_MS,
        rounds: ROUNDS,
        buyers: BUYERS,
        units: UNITS,
        sales: SALES,
        reservationTtlMs: RESERVATION_TTL_MS,
        quantityPerReservation: 1,
        time: 'Lua: the Redis server clock (TIME inside the script, its default); naive, WATCH, PostgreSQL: the client clock',
        sqlReserve:
          'one autocommit statement: WITH taken AS (UPDATE inventory_stock SET available = available - $q, reserved = reserved + $q WHERE ... AND available >= $q RETURNING ...) INSERT INTO inventory_holds ...',
        sharedRedis: await describeRedis(clients[0]!),
        sharedPostgres: await describePostgres(pool),
      },
      services: ['redis', 'postgres'],
    });

    // --- 1. correctness: flash sales -----------------------------------------------------------------
    const sales: Array<{
      id: string;
      title: string;
      reservers: readonly Reserver[];
      restock: (sku: string) => Promise<unknown>;
    }> = [
      { id: 'naive', title: 'naive HGET then HINCRBY', reservers: naive, restock: (s) => admin.restock(s, UNITS) },
      { id: 'lua', title: 'Lua script (this POC)', reservers: lua, restock: (s) => admin.restock(s, UNITS) },
      { id: 'watch', title: 'WATCH/MULTI/EXEC', reservers: [watch], restock: (s) => admin.restock(s, UNITS) },
      {
        id: 'postgres',
        title: 'PostgreSQL UPDATE ... WHERE available >= 1',
        reservers: [postgres],
        restock: (s) => postgres.restock(s, UNITS),
      },
    ];
    for (const { id, title, reservers, restock } of sales) {
      const reservedPerSale: number[] = [];
      for (let sale = 1; sale <= SALES; sale++) {
        const sku = `sale-${id}-${sale}`;
        await restock(sku);
        reservedPerSale.push((await flashSale(reservers, sku, BUYERS)).reserved.length);
      }
      const oversold = reservedPerSale.reduce((sum, n) => sum + Math.max(0, n - UNITS), 0);
      report.add({
        id: `oversold-${id}`,
        title: `Oversold, ${title} (${SALES} sales of ${UNITS} units to ${BUYERS} buyers)`,
        value: oversold,
        unit: 'units',
      });
      report.add({
        id: `reserved-${id}`,
        title: `Buyers told "reserved" per sale, ${title}`,
        value: reservedPerSale.join(' / '),
      });
    }

    // --- 2. reservations/s ---------------------------------------------------------------------------
    let sequence = 0;
    const nextId = (worker: number): string => `r${worker}-${(sequence++).toString(36)}`;
    let hotSku = '';
    let runs = 0;
    const freshHot = async (variant: string): Promise<void> => {
      hotSku = `hot-${variant}-${++runs}`;
      if (variant === 'postgres') await postgres.restock(hotSku, BOTTOMLESS);
      else await admin.restock(hotSku, BOTTOMLESS);
    };
    const hot = (reserve: (worker: number) => Reserver) => async (worker: number) => {
      const r = await reserve(worker).reserve(hotSku, nextId(worker));
      if (!r.reserved) throw new Error(`"${hotSku}" ran out`);
    };
    const watchBefore = { conflicts: watch.conflicts, commits: watch.commits };
    report.add(
      await compareLoad({
        id: 'hot',
        title: `Reservations/s, one hot SKU, ${CONCURRENCY} concurrent callers`,
        variants: {
          lua: hot((w) => lua[w]!),
          watch: hot(() => watch),
          postgres: hot(() => postgres),
          naive: hot((w) => naive[w]!),
        },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        beforeEach: freshHot,
      }),
    );
    const hotConflicts = watch.conflicts - watchBefore.conflicts;
    const hotCommits = watch.commits - watchBefore.commits;

    // No contention: each caller reserves its own SKU.
    let spreadRun = '';
    const freshSpread = async (variant: string): Promise<void> => {
      spreadRun = `spread-${variant}-${++runs}`;
      for (let w = 0; w < CONCURRENCY; w++) {
        if (variant === 'postgres') await postgres.restock(`${spreadRun}-${w}`, BOTTOMLESS);
        else await admin.restock(`${spreadRun}-${w}`, BOTTOMLESS);
      }
    };
    const spread = (reserve: (worker: number) => Reserver) => async (worker: number) => {
      const r = await reserve(worker).reserve(`${spreadRun}-${worker}`, nextId(worker));
      if (!r.reserved) throw new Error(`"${spreadRun}-${worker}" ran out`);
    };
    const spreadBefore = watch.conflicts;
    report.add(
      await compareLoad({
        id: 'spread',
        title: `Reservations/s, a SKU per caller (no contention), ${CONCURRENCY} concurrent callers`,
        variants: { lua: spread((w) => lua[w]!), watch: spread(() => watch), postgres: spread(() => postgres) },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        beforeEach: freshSpread,
      }),
    );

    report.add({
      id: 'watch-aborts-hot',
      title: 'WATCH: EXECs refused per reservation made, hot SKU (warm-up included)',
      value: Math.round((hotConflicts / hotCommits) * 100) / 100,
    });
    report.add({
      id: 'watch-aborts-spread',
      title: 'WATCH: EXECs refused in all, SKU per caller',
      value: watch.conflicts - spreadBefore,
    });

    await report.finish(
      'The roadmap’s claim, oversell count: in {param:sales} flash sales of {param:units} units to {param:buyers} buyers at once, ' +
        'the naive HGET-then-HINCRBY oversold {fact:oversold-naive}, the Lua script {fact:oversold-lua} ' +
        '(WATCH {fact:oversold-watch}, PostgreSQL {fact:oversold-postgres}). ' +
        'Reservations/s on one hot SKU, {param:concurrency} callers: WATCH ÷ Lua = {ratio:hot/watch}, ' +
        'PostgreSQL ÷ Lua = {ratio:hot/postgres}, naive ÷ Lua = {ratio:hot/naive}; ' +
        'a SKU per caller: WATCH ÷ Lua = {ratio:spread/watch}, PostgreSQL ÷ Lua = {ratio:spread/postgres}.',
    );
  } finally {
    await ns.close();
    await db.close();
  }
});

/** The shared Redis's persistence, as the server reports it. */
async function describeRedis(redis: Redis): Promise<string> {
  const get = async (name: string): Promise<string> => ((await redis.config('GET', name)) as string[])[1] ?? '?';
  return `appendonly=${await get('appendonly')} appendfsync=${await get('appendfsync')} save="${await get('save')}" dir=${await get('dir')}`;
}

/** The shared PostgreSQL's durability, as the server reports it. */
async function describePostgres(pool: pg.Pool): Promise<string> {
  const setting = async (name: string): Promise<string> =>
    (await pool.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
  return `fsync=${await setting('fsync')} synchronous_commit=${await setting('synchronous_commit')} full_page_writes=${await setting('full_page_writes')} data_directory=${await setting('data_directory')}`;
}
