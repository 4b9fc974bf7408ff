// pnpm --filter poc-resilience-pool-sizing demo: a pg.Pool behind 20 ms of toxiproxy latency, instrumented;
// Little's law from the measured hold time; a pool too small for the load, its alarm and its metrics.
import { postgresDatabase, proxyTo, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import pg from 'pg';
import { littleSize, poolMetrics, preciseClock, readMetric, saturationAlarm } from './index.ts';

const say = (line = ''): void => console.log(line);
const OFFERED = 200; // queries per second
const SQL = 'SELECT pg_sleep(0.005)';

runMain(async () => {
  const servers = await Promise.all(['postgres', 'toxiproxy'].map((s) => serverFor(s)));
  const db = await postgresDatabase({ name: 'demo' });
  const proxy = await proxyTo(new URL(db.url).host, { name: 'pool_sizing_demo' });
  try {
    say(`Pool sizing demo: ${servers.map((s) => `${s.service} ${s.version}`).join(', ')}`);
    await proxy.addLatency(20);
    say('1. toxiproxy adds 20 ms to every reply from PostgreSQL; each query also sleeps 5 ms on the server');

    const probe = new pg.Pool({ connectionString: proxy.via(db.url), max: 1 });
    await probe.query('SELECT 1');
    let total = 0;
    for (let i = 0; i < 20; i++) {
      const t = preciseClock.now();
      await probe.query(SQL);
      total += preciseClock.now() - t;
    }
    await probe.end();
    const w = total / 20;
    say(`2. measured hold time W ≈ ${Math.round(w / 5) * 5} ms (rounded to 5 ms)`);
    const size = littleSize({ arrivalRate: OFFERED, serviceTimeMs: w, headroom: 0.25 });
    say(
      `3. Little's law at ${OFFERED}/s with 25% headroom: a pool of ${size >= 6 && size <= 9 ? '6 to 9' : size} (L = λW)`,
    );

    for (const max of [2, size]) {
      const pool = new pg.Pool({ connectionString: proxy.via(db.url), max, connectionTimeoutMillis: 1_000 });
      const metrics = poolMetrics(pool);
      let atFiring = '';
      const alarm = saturationAlarm({
        waitingAbove: 4,
        forMs: 250,
        clearAtOrBelow: 0,
        clearForMs: 250,
        onChange: (e) => {
          if (e.state !== 'firing') return;
          const s = metrics.snapshot();
          atFiring = `in use ${s.inUse}, idle ${s.idle}, waiting ${s.waiting}`;
        },
      });
      const stop = alarm.watch(() => metrics.snapshot().waiting, 25);
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < OFFERED; i++) {
        calls.push(pool.query(SQL).catch(() => undefined)); // 1 s of arrivals, 5 ms apart
        await new Promise((r) => setTimeout(r, 1000 / OFFERED));
      }
      await Promise.all(calls);
      await new Promise((r) => setTimeout(r, 400)); // let the alarm's clear hold pass
      stop();
      const text = await metrics.metrics();
      const fired = alarm.history().filter((e) => e.state === 'firing').length;
      say(
        `4. pool of ${max === size ? 'that size' : max}: acquisitions ${readMetric(text, 'pg_pool_acquisitions_total')}, ` +
          `timeouts ${readMetric(text, 'pg_pool_acquire_timeouts_total')}, alarm fired ${fired}x, now ${alarm.state}`,
      );
      if (atFiring) say(`   when it fired: ${atFiring}`);
      const waits = readMetric(text, 'pg_pool_checkout_wait_seconds_count');
      const quick = readMetric(text, 'pg_pool_checkout_wait_seconds_bucket{le="0.01"}');
      say(`   checkouts that waited under 10 ms: ${quick} of ${waits}`);
      await pool.end();
    }
    say('done');
  } finally {
    await proxy.close();
    await db.close();
  }
});
