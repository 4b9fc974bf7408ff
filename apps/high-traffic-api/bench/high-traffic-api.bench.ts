// pnpm --filter high-traffic-api bench: autocannon through nginx, cache on vs off and 1 vs 3 instances.
// Three variants, interleaved round by round: "3 instances, cache off", "1 instance, cache on" (the
// same system as the next, nginx pointed at one upstream) and "3 instances, cache on".
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { runMain } from '@poc/kit';
import { benchReport, latencySummary, summarize, type Comparison } from '@poc/harness/bench';
import { startSystem, type System } from '../src/system.ts';

const ROUNDS = 4;
const DURATION_S = 3;
const CONNECTIONS = 32;
const PRODUCTS = 3_000;
const LIST_SHARE = 0.1; // 10 % category pages, 90 % single products
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

interface Sample {
  opsPerSec: number;
  latencies: number[];
  errors: number;
  /** Share of the machine's CPU time (all cores) during the run, by who used it. */
  cpu: { instances: number; autocannon: number; rest: number; idle: number };
}

// Where the CPU goes: /proc/stat for the machine, /proc/<pid>/stat for the API processes, and
// process.cpuUsage() for this process (autocannon). "rest" = nginx, Redis, PostgreSQL and anything
// else running on the machine (it is shared).
const TICK_S = 0.01; // USER_HZ = 100 on Linux
function machineTicks(): { busy: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  return { busy: f.reduce((a, b) => a + b, 0) - idle, idle };
}
function processTicks(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

function randomPath(): string {
  if (Math.random() < LIST_SHARE)
    return `/products?category=${['books', 'games', 'toys', 'tools'][Math.floor(Math.random() * 4)]}&limit=20`;
  return `/products/${1 + Math.floor(Math.random() * PRODUCTS)}`;
}

async function load(url: string, durationS: number, pids: Array<number | undefined> = []): Promise<Sample> {
  const latencies: number[] = [];
  const m0 = machineTicks();
  const p0 = pids.reduce<number>((a, p) => a + processTicks(p), 0);
  const self0 = process.cpuUsage();
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    headers: { 'x-client-id': 'bench' },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: randomPath() }) }],
  });
  (instance as unknown as EventEmitter).on(
    'response',
    (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms),
  );
  const result = await instance;
  const m1 = machineTicks();
  const total = m1.busy - m0.busy + (m1.idle - m0.idle);
  const instances = (pids.reduce<number>((a, p) => a + processTicks(p), 0) - p0) / total;
  const self = process.cpuUsage(self0);
  const autocannonShare = (self.user + self.system) / 1e6 / TICK_S / total;
  const cpu = {
    instances,
    autocannon: autocannonShare,
    rest: (m1.busy - m0.busy) / total - instances - autocannonShare,
    idle: (m1.idle - m0.idle) / total,
  };
  return {
    cpu,
    opsPerSec: result.requests.total / (result.duration || durationS),
    latencies,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

runMain(async () => {
  const [on, off] = [
    await startSystem({
      instances: 3,
      cache: true,
      cacheTtlMs: 600_000,
      rateLimit: 1_000_000_000,
      products: PRODUCTS,
      name: 'bench_on',
      log: progress,
    }),
    await startSystem({
      instances: 3,
      cache: false,
      rateLimit: 1_000_000_000,
      products: PRODUCTS,
      name: 'bench_off',
      log: progress,
    }),
  ];
  const all = on.instances.map((i) => i.address);
  type Variant = { name: string; system: System; upstreams: string[] };
  const variants: Variant[] = [
    { name: '3 instances, cache off', system: off, upstreams: off.instances.map((i) => i.address) },
    { name: '1 instance, cache on', system: on, upstreams: [all[0]!] },
    { name: '3 instances, cache on', system: on, upstreams: all },
  ];
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));

  try {
    progress('warm-up (fills the cache, JIT-compiles every instance)');
    await load(on.url, 3);
    await load(off.url, 2);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const v of round % 2 === 1 ? variants : [...variants].reverse()) {
        await v.system.lb.setUpstreams(v.upstreams);
        const s = await load(
          v.system.url,
          DURATION_S,
          v.system.instances.map((i) => i.worker.process.pid),
        );
        samples.get(v.name)!.push(s);
        progress(`round ${round}/${ROUNDS} ${v.name}: ${Math.round(s.opsPerSec)} req/s, ${s.errors} errors`);
      }
    }
  } finally {
    await Promise.allSettled([on.stop(), off.stop()]);
  }

  function comparison(id: string, title: string, baseline: string, other: string): Comparison {
    const variant = (name: string): Comparison['variants'][number] => {
      const s = samples.get(name)!;
      const { p50, p95, p99, max } = latencySummary(s.flatMap((x) => x.latencies));
      return {
        name,
        opsPerSec: summarize(s.map((x) => x.opsPerSec)),
        latencyMs: { p50, p95, p99, max },
        errors: s.reduce((a, x) => a + x.errors, 0),
      };
    };
    const b = samples.get(baseline)!;
    const o = samples.get(other)!;
    const ratios = o.map((x, i) => x.opsPerSec / b[i]!.opsPerSec);
    return {
      id,
      title,
      kind: 'load',
      baseline,
      rounds: ROUNDS,
      concurrency: CONNECTIONS,
      variants: [variant(baseline), variant(other)],
      ratios: [
        {
          variant: other,
          baseline,
          median: summarize(ratios).median,
          min: Math.min(...ratios),
          max: Math.max(...ratios),
        },
      ],
    };
  }

  const report = benchReport({
    parameters: {
      tool: 'autocannon 8.0.0 (in the bench process)',
      connections: CONNECTIONS,
      durationS: DURATION_S,
      rounds: ROUNDS,
      products: PRODUCTS,
      mix: '90% GET /products/:id, 10% GET /products?category=&limit=20',
      loadBalancer: 'nginx round_robin',
      rateLimit: 'on, 1e9 per 60 s (not capping)',
    },
    services: ['redis', 'postgres'],
  });
  const cache = comparison(
    'cache',
    'Cache-aside on vs off (3 instances behind nginx)',
    '3 instances, cache off',
    '3 instances, cache on',
  );
  const scale = comparison(
    'instances',
    '1 vs 3 instances (cache on, behind nginx)',
    '1 instance, cache on',
    '3 instances, cache on',
  );
  report.add(cache);
  report.add(scale);
  for (const v of variants) {
    const s = samples.get(v.name)!;
    const pct = (pick: (c: Sample['cpu']) => number): number =>
      Math.round(summarize(s.map((x) => pick(x.cpu) * 100)).median);
    const slug = v.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    report.add({
      id: `cpu-${slug}-instances`,
      title: `CPU share, ${v.name}: API instances (node)`,
      value: pct((c) => c.instances),
      unit: '% of all cores',
    });
    report.add({
      id: `cpu-${slug}-autocannon`,
      title: `CPU share, ${v.name}: autocannon (bench process)`,
      value: pct((c) => c.autocannon),
      unit: '% of all cores',
    });
    report.add({
      id: `cpu-${slug}-rest`,
      title: `CPU share, ${v.name}: nginx + Redis + PostgreSQL + the rest of the machine`,
      value: pct((c) => c.rest),
      unit: '% of all cores',
    });
    report.add({
      id: `cpu-${slug}-idle`,
      title: `CPU share, ${v.name}: idle`,
      value: pct((c) => c.idle),
      unit: '% of all cores',
    });
  }
  await report.finish(
    `Through nginx on this machine the cache multiplies throughput by ${cache.ratios[0]!.median.toFixed(2)}x (3 instances), and 3 instances give ${scale.ratios[0]!.median.toFixed(2)}x the throughput of 1 (cache on).`,
  );
});
