// What the harness costs: time from "start" to first answer per provider and service, and the
// per-suite isolation cost on an already-running server (targets: Redis suite < 50 ms, fresh
// PostgreSQL database < 150 ms). Run: pnpm --filter @poc/harness bench
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { benchReport, compareThroughput, measure } from '../src/bench/index.ts';
import { dockerAvailable } from '../src/services/docker.ts';
import {
  amqpNamespace,
  kafkaNamespace,
  postgresDatabase,
  redisNamespace,
  serverFor,
  SERVICES,
} from '../src/services/index.ts';
import { withDatabase } from '../src/services/postgres.ts';
import { startServer } from '../src/services/servers.ts';
import { uniqueName } from '../src/testing/index.ts';

const SAMPLES = 10;
/** Fewer samples for the JVM and Erlang servers, which take seconds to start. */
const samplesFor = (service: string): number => (service === 'kafka' || service === 'rabbitmq' ? 3 : SAMPLES);
const report = benchReport({
  parameters: { samples: SAMPLES, 'samples (kafka, rabbitmq)': 3 },
  services: Object.keys(SERVICES),
});

/** Resident memory of a process group (a server and its children), in MiB, from /proc. */
function groupRssMiB(pgid: number): number {
  let kib = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue; // field 5 of stat: process group id
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* the process exited meanwhile */
    }
  }
  return Math.round((kib / 1024) * 10) / 10;
}
const medians: Record<string, number> = {};

// 1. Time to first answer: start a server, wait until it answers, stop it (stop not timed).
const providers: Array<'local' | 'docker'> = ['local'];
if (process.env.POC_PROVIDER !== 'local' && (await dockerAvailable())) providers.push('docker');
for (const provider of providers) {
  const saved = process.env.POC_PROVIDER;
  process.env.POC_PROVIDER = provider;
  for (const service of Object.keys(SERVICES)) {
    const rss: number[] = [];
    const m = await measure({
      id: `ready-${provider}-${service}`,
      title: `${service}: start → first answer (${provider})`,
      samples: provider === 'docker' ? 3 : samplesFor(service),
      run: async () => {
        const t0 = performance.now();
        const server = await startServer(service);
        const ms = performance.now() - t0;
        if (server.pid) rss.push(groupRssMiB(server.pid));
        await server.close();
        return ms;
      },
    });
    if (rss.length > 0)
      report.add({
        id: `rss-${provider}-${service}`,
        title: `${service}: resident memory when ready (${provider})`,
        value: Math.max(...rss),
        unit: 'MiB',
      });
    medians[m.id] = m.summary.median;
    report.add(m);
  }
  process.env.POC_PROVIDER = saved;
}
if (!providers.includes('docker')) {
  report.add({
    id: 'docker',
    title: 'Docker provider',
    value: 'not measured: no Docker engine answers on this machine',
  });
}

// 2. Isolation cost per suite, on the shared servers.
for (const service of Object.keys(SERVICES)) await serverFor(service);
for (const m of [
  await measure({
    id: 'suite-redis',
    title: 'Redis suite: namespace + first command + cleanup',
    samples: SAMPLES * 3,
    run: async () => {
      const ns = await redisNamespace();
      await ns.client().set('k', 'v');
      await ns.close();
    },
  }),
  await measure({
    id: 'suite-postgres',
    title: 'PostgreSQL suite: fresh database + first query',
    samples: SAMPLES * 3,
    run: async () => {
      const t0 = performance.now();
      const db = await postgresDatabase();
      const c = await db.client();
      await c.query('SELECT 1');
      const ms = performance.now() - t0;
      await db.close();
      return ms;
    },
  }),
  await measure({
    id: 'suite-rabbitmq',
    title: 'RabbitMQ suite: namespace + connection + queue declare + cleanup',
    samples: SAMPLES * 3,
    run: async () => {
      const ns = await amqpNamespace();
      const ch = await (await ns.connect()).createChannel();
      await ch.assertQueue(ns.name('q'));
      await ns.close();
    },
  }),
  await measure({
    id: 'suite-kafka',
    title: 'Kafka suite: namespace + 3 topics (4 partitions) with leaders',
    samples: SAMPLES,
    run: async () => {
      const t0 = performance.now();
      const ns = await kafkaNamespace();
      await ns.createTopics(['a', 'b', 'c'].map((t) => ({ topic: ns.topic(t), numPartitions: 4 })));
      const ms = performance.now() - t0;
      await ns.close();
      return ms;
    },
  }),
]) {
  medians[m.id] = m.summary.median;
  report.add(m);
}

// 3. Which clone strategy the harness should use. FILE_COPY copies the files but forces two
// checkpoints; WAL_LOG (PostgreSQL 15's default) writes the whole template through the WAL.
const server = await serverFor('postgres');
const admin = new pg.Client(withDatabase(server.url, 'postgres'));
await admin.connect();
const cloneWith = (strategy: string) => async () => {
  const name = uniqueName('b');
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template1 STRATEGY = ${strategy}`);
  await admin.query(`DROP DATABASE ${name}`);
};
report.add(
  await compareThroughput({
    id: 'clone-strategy',
    title: 'CREATE + DROP DATABASE from template1',
    variants: { 'WAL_LOG (PG 15 default)': cloneWith('WAL_LOG'), FILE_COPY: cloneWith('FILE_COPY') },
    rounds: 3,
    timeMs: 1_500,
    warmupMs: 200,
  }),
);
await admin.end();

const fmt = (id: string): string => `${Math.round(medians[id] ?? NaN)} ms`;
await report.finish(
  `Local servers answer in ${fmt('ready-local-redis')} (Redis), ${fmt('ready-local-postgres')} (PostgreSQL), ` +
    `${fmt('ready-local-rabbitmq')} (RabbitMQ), ${fmt('ready-local-kafka')} (Kafka) and ${fmt('ready-local-toxiproxy')} (toxiproxy); ` +
    `per-suite isolation costs ${fmt('suite-redis')} (Redis prefix), ${fmt('suite-postgres')} (fresh database), ` +
    `${fmt('suite-rabbitmq')} (RabbitMQ names) and ${fmt('suite-kafka')} (Kafka topic set).`,
);
