// pnpm --filter poc-resilience-graceful-degradation demo: the lab service (fastify in its own process,
// PostgreSQL through toxiproxy, Redis direct) healthy, with the link cut, hung, and restored: each endpoint's
// answer and its Degraded header, and what the breaker did. Then the same cut without fallbacks.
import { eventually, postgresDatabase, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { startLab, type Lab } from './lab/lab.ts';

const say = (line = ''): void => console.log(line);
const PATHS = ['/products/1', '/products/1/recommendations', '/products/1/reviews'];

async function round(lab: Lab, label: string): Promise<void> {
  say(label);
  for (const path of PATHS) {
    const a = await lab.get(path);
    const shown =
      a.status === 0
        ? 'no answer (client gave up)'
        : `${a.status} ${a.degraded ? `Degraded: ${a.degraded}` : a.status === 200 ? 'fresh' : 'error'}`;
    say(`  GET ${path.padEnd(29)} ${shown}`);
  }
}

runMain(async () => {
  const servers = await Promise.all(['postgres', 'redis', 'toxiproxy'].map((s) => serverFor(s)));
  const db = await postgresDatabase({ name: 'demo' });
  const redis = await redisNamespace({ name: 'demo' });
  try {
    say(`Graceful degradation demo: ${servers.map((s) => `${s.service} ${s.version} (${s.provider})`).join(', ')}`);
    const lab = await startLab('degrade', db, redis);
    try {
      say(
        `POC service: compose(fallback, circuitBreaker(5 in a row, half-open after ${lab.config.halfOpenAfterMs} ms), timeout(${lab.config.timeoutMs} ms))`,
      );
      await round(lab, 'healthy:');
      await lab.cut();
      for (let i = 0; i < 3; i++) await round(lab, i === 0 ? 'PostgreSQL cut by toxiproxy:' : `still cut (${i + 1}):`);
      let s = (await lab.stats()).breaker!;
      say(`  breaker: ${s.state}, ${s.failed} calls failed on the link, ${s.rejected} refused at once`);
      await lab.restore();
      await eventually(async () => (await lab.get('/products/1')).degraded === null || undefined, {
        timeoutMs: 20_000,
        what: 'recovery',
      });
      await round(lab, 'restored (after the half-open probe):');
      s = (await lab.stats()).breaker!;
      say(`  breaker: ${s.state}, probes ${s.probes}`);
      await lab.hang();
      await round(lab, 'PostgreSQL hung (data dropped, connections kept):');
      const { breaker, seen } = await lab.stats();
      say(
        `  breaker: ${breaker!.state}; ${seen.timeout} queries ended by the ${lab.config.timeoutMs} ms timeout, none waited longer`,
      );
      await lab.cut();
      await lab.restore();
    } finally {
      await lab.close();
    }
    for (const variant of ['none', 'catch'] as const) {
      const naive = await startLab(variant, db, redis);
      try {
        say();
        say(variant === 'none' ? 'without fallbacks:' : 'naive try/catch fallback (no timeout, no breaker):');
        await naive.get('/products/1');
        await naive.cut();
        await round(naive, 'PostgreSQL cut:');
        await naive.restore();
        await naive.hang();
        await round(naive, `PostgreSQL hung (client gives up after 3 s):`);
      } finally {
        await naive.close();
      }
    }
    say();
    say('done');
  } finally {
    await redis.close();
    await db.close();
  }
});
