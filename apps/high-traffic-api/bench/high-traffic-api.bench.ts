// pnpm --filter high-traffic-api bench: autocannon through nginx, cache on vs off and 1 vs 3 instances.
// Two systems run side by side: one with the cache on (nginx pointed at 1 or all 3 of its instances
// with setUpstreams before each run) and one with the cache off (3 instances). Two comparisons, each
// run by the harness in interleaved, rotated rounds (compareRounds):
//   cache:     "3 instances, cache off" vs "3 instances, cache on"
//   instances: "1 instance, cache on" vs "3 instances, cache on"
// Equal warm-up: before each comparison's rounds, every variant gets the same WARMUP_S of the same
// load (JIT, connection pools). The cache-on system's cache is filled before any of it (every product
// and every category page read once, untimed), so its variants do not start at different hit ratios
// depending on which ran first; with no writes and a TTL longer than the run, it stays full. Every
// timed response's X-Cache header is counted, and the hit ratio is published next to the speed-up.
//
// 1 vs 3 instances here cannot show horizontal scaling: all instances, nginx, Redis, PostgreSQL and
// autocannon share this machine's cores, so a second and third instance add processes, not CPU. The
// comparison measures what three processes cost on the same cores; nothing more.
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runMain } from '@poc/kit';
import { serverFor } from '@poc/harness/services';
import {
  benchProfile,
  benchReport,
  compareRounds,
  latencySummary,
  summarize,
  type Comparison,
  type RoundSample,
} from '@poc/harness/bench';
import { startSystem, type System } from '../src/system.ts';

const SHORT = benchProfile() === 'short';
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const DURATION_S = SHORT ? 0.5 : 2.5;
const WARMUP_S = SHORT ? 0.5 : 2;
const CONNECTIONS = 32;
const PRODUCTS = 3_000;
const CACHE_TTL_MS = 600_000; // longer than the bench: an entry, once loaded, stays for the whole run
const LIST_SHARE = 0.1; // 10 % category pages, 90 % single products
const CATEGORIES = ['books', 'games', 'toys', 'tools'] as const;
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

interface Cpu {
  instances: number;
  autocannon: number;
  rest: number;
  idle: number;
}
interface Run {
  requests: number;
  seconds: number;
  errors: number;
  latencies: number[];
  /** Responses by X-Cache header: hit, miss, fallback, off. */
  cache: Record<string, number>;
  /** Share of the machine's CPU time (all cores) during the run, by who used it. */
  cpu: Cpu;
}

// Where the CPU goes: /proc/stat for the machine, /proc/<pid>/stat for the API processes, and
// process.cpuUsage() for this process (autocannon). "rest" = nginx, Redis, PostgreSQL and anything
// else running on the machine.
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
    return `/products?category=${CATEGORIES[Math.floor(Math.random() * CATEGORIES.length)]}&limit=20`;
  return `/products/${1 + Math.floor(Math.random() * PRODUCTS)}`;
}

async function load(url: string, durationS: number, pids: Array<number | undefined> = []): Promise<Run> {
  const latencies: number[] = [];
  const cache: Record<string, number> = {};
  const m0 = machineTicks();
  const p0 = pids.reduce<number>((a, p) => a + processTicks(p), 0);
  const self0 = process.cpuUsage();
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    headers: { 'x-client-id': 'bench' },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: randomPath() }),
        onResponse: (_status, _body, _context, headers) => {
          const h = (headers as Record<string, string | undefined>)['x-cache'] ?? 'none';
          cache[h] = (cache[h] ?? 0) + 1;
        },
      },
    ],
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
  return {
    requests: result.requests.total,
    seconds: result.duration || durationS,
    errors: result.errors + result.non2xx + result.timeouts,
    latencies,
    cache,
    cpu: {
      instances,
      autocannon: autocannonShare,
      rest: (m1.busy - m0.busy) / total - instances - autocannonShare,
      idle: (m1.idle - m0.idle) / total,
    },
  };
}

/** Reads every product and every category page the load asks for once, through nginx: a full cache. */
async function fillCache(system: System): Promise<void> {
  const paths = [
    ...Array.from({ length: PRODUCTS }, (_, i) => `/products/${i + 1}`),
    ...CATEGORIES.map((c) => `/products?category=${c}&limit=20`),
  ];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const res = await fetch(`${system.url}${path}`, { headers: { 'x-client-id': 'bench-fill' } });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`filling the cache: GET ${path} answered ${res.status}`);
      }
    }),
  );
}

/** The durability settings of both servers, as they report them. */
async function durability(system: System): Promise<string> {
  const client = new pg.Client({ connectionString: system.postgresUrl });
  await client.connect();
  const redis = new Redis((await serverFor('redis')).url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const setting = async (name: string): Promise<string> =>
      (await client.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
    const pgPart = `PostgreSQL fsync=${await setting('fsync')}, synchronous_commit=${await setting('synchronous_commit')}`;
    await redis.connect();
    const config = async (name: string): Promise<string> =>
      ((await redis.config('GET', name)) as string[])[1] ?? 'unknown';
    const redisPart = `Redis appendonly=${await config('appendonly')}, save="${await config('save')}"`;
    return `${pgPart}; ${redisPart} (the load only reads: no request writes to PostgreSQL)`;
  } finally {
    await client.end().catch(() => undefined);
    redis.disconnect();
  }
}

runMain(async () => {
  const on = await startSystem({
    instances: 3,
    cache: true,
    cacheTtlMs: CACHE_TTL_MS,
    rateLimit: 1_000_000_000,
    products: PRODUCTS,
    name: 'bench_on',
    log: progress,
  });
  const off = await startSystem({
    instances: 3,
    cache: false,
    rateLimit: 1_000_000_000,
    products: PRODUCTS,
    name: 'bench_off',
    log: progress,
  });
  const all = on.instances.map((i) => i.address);
  interface Variant {
    system: System;
    upstreams: string[];
  }
  const variants: Record<string, Variant> = {
    '3 instances, cache off': { system: off, upstreams: off.instances.map((i) => i.address) },
    '1 instance, cache on': { system: on, upstreams: [all[0]!] },
    '3 instances, cache on': { system: on, upstreams: all },
  };
  const runs = new Map<string, Run[]>(Object.keys(variants).map((name) => [name, []]));
  const comparisons: Comparison[] = [];

  const run = async (name: string, durationS: number): Promise<Run> => {
    const v = variants[name]!;
    await v.system.lb.setUpstreams(v.upstreams);
    return load(
      v.system.url,
      durationS,
      v.system.instances.map((i) => i.worker.process.pid),
    );
  };
  const compare = async (id: string, title: string, names: [baseline: string, other: string]): Promise<void> => {
    const mine = new Map<string, Run[]>(names.map((n) => [n, []]));
    for (const name of names) {
      progress(`${id}: warm-up of "${name}" (${WARMUP_S} s)`);
      await run(name, WARMUP_S);
    }
    const comparison = await compareRounds({
      id,
      title,
      kind: 'load',
      concurrency: CONNECTIONS,
      rounds: ROUNDS,
      unit: 'req/s',
      variants: Object.fromEntries(
        names.map((name) => [
          name,
          async (): Promise<RoundSample> => {
            const r = await run(name, DURATION_S);
            mine.get(name)!.push(r);
            runs.get(name)!.push(r);
            return { ops: r.requests, seconds: r.seconds, errors: r.errors };
          },
        ]),
      ),
    });
    // compareRounds keeps rates and errors; autocannon's per-response latencies are added here.
    for (const v of comparison.variants) v.latencyMs = latencySummary(mine.get(v.name)!.flatMap((r) => r.latencies));
    comparisons.push(comparison);
  };

  let serverSettings: string;
  try {
    serverSettings = await durability(on);
    progress("filling the cache-on system's cache (untimed)");
    await fillCache(on);
    await compare('cache', 'Cache-aside on vs off (3 instances behind nginx)', [
      '3 instances, cache off',
      '3 instances, cache on',
    ]);
    await compare(
      'instances',
      '1 vs 3 instances, all on the same cores as nginx, Redis, PostgreSQL and autocannon (cache on): not a scaling test',
      ['1 instance, cache on', '3 instances, cache on'],
    );
  } finally {
    await Promise.allSettled([on.stop(), off.stop()]);
  }

  const report = benchReport({
    parameters: {
      tool: 'autocannon 8.0.0 (in the bench process)',
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: `${WARMUP_S} per variant before each comparison`,
      rounds: ROUNDS,
      cores: cpus().length,
      products: PRODUCTS,
      cacheTtlMs: CACHE_TTL_MS,
      cacheFill: `all ${PRODUCTS} products and ${CATEGORIES.length} category pages read once before the warm-ups`,
      mix: '90% GET /products/:id, 10% GET /products?category=&limit=20',
      loadBalancer: 'nginx round_robin',
      rateLimit: 'on, 1e9 per 60 s (not capping)',
      durability: serverSettings,
    },
    services: ['redis', 'postgres'],
  });
  for (const c of comparisons) report.add(c);
  const slugOf = (name: string): string => name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  for (const name of Object.keys(variants)) {
    const rs = runs.get(name)!;
    const slug = slugOf(name);
    const counts: Record<string, number> = {};
    for (const r of rs) for (const [k, n] of Object.entries(r.cache)) counts[k] = (counts[k] ?? 0) + n;
    const hit = counts.hit ?? 0;
    const lookups = hit + (counts.miss ?? 0) + (counts.fallback ?? 0);
    report.add({
      id: `hit-ratio-${slug}`,
      title: `Cache hit ratio, ${name} (X-Cache of every timed response)`,
      value: lookups === 0 ? 'cache off' : Math.round((hit / lookups) * 1_000) / 10,
      unit: lookups === 0 ? undefined : `% of ${lookups.toLocaleString('en-US')} responses`,
    });
    const pct = (pick: (c: Cpu) => number): number => Math.round(summarize(rs.map((r) => pick(r.cpu) * 100)).median);
    const share = (part: string, title: string, pick: (c: Cpu) => number): void =>
      report.add({
        id: `cpu-${slug}-${part}`,
        title: `CPU share, ${name}: ${title}`,
        value: pct(pick),
        unit: '% of all cores',
      });
    share('instances', 'API instances (node)', (c) => c.instances);
    share('autocannon', 'autocannon (bench process)', (c) => c.autocannon);
    share('rest', 'nginx + Redis + PostgreSQL + the rest of the machine', (c) => c.rest);
    share('idle', 'idle', (c) => c.idle);
  }
  await report.finish(
    'Through nginx, cache on vs off (3 instances): {ratio:cache/3 instances, cache on} at a hit ratio of ' +
      '{fact:hit-ratio-3-instances-cache-on}, p99 {p99:cache/3 instances, cache on} ms vs {p99:cache/3 instances, cache off} ms. ' +
      '3 vs 1 instance: {ratio:instances/3 instances, cache on}, on {param:cores} cores shared by every process of the system: ' +
      'this cannot show horizontal scaling.',
  );
});
