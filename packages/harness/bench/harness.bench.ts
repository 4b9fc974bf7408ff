// What the harness costs, per provider (local binaries, and Docker containers when an engine answers),
// in one run: time from "start" to first answer and resident memory per service, and the per-suite
// isolation cost on an already-running server (targets: Redis suite < 50 ms, fresh PostgreSQL database
// < 150 ms). Run: pnpm --filter @poc/harness bench
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchReport, compareThroughput, measure } from '../src/bench/index.ts';
import type { Measurement } from '../src/bench/schema.ts';
import { dockerAvailable, instanceAt, residentMiB } from '../src/services/docker.ts';
import { runtime } from '../src/services/docker/engine.ts';
import { serverFor, SERVICES } from '../src/services/index.ts';
import { withDatabase } from '../src/services/postgres.ts';
import { startServer } from '../src/services/servers.ts';
import { spawnTsWorker, uniqueName } from '../src/testing/index.ts';

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

// 1. Time to first answer: start a server, wait until it answers, stop it (stop not timed). Docker:
// container created and started from a present image, published, answering (image pulls not timed).
const providers: Array<'local' | 'docker'> = ['local'];
if (process.env.POC_PROVIDER !== 'local' && (await dockerAvailable())) providers.push('docker');
const images: Record<string, string> = {};
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
        const container = provider === 'docker' ? instanceAt(server.url) : undefined;
        if (container) {
          images[service] = container.image;
          const mib = await residentMiB(container);
          if (mib !== undefined) rss.push(mib);
        }
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
  if (saved === undefined) delete process.env.POC_PROVIDER;
  else process.env.POC_PROVIDER = saved;
}
if (providers.includes('docker')) {
  // Which image each service ran from, and its size: the offline builds are Debian-based (bigger than
  // the official Alpine images, same server versions as the local provider).
  const dockerode = (await runtime()).container.dockerode;
  for (const [service, image] of Object.entries(images)) {
    const size = (await dockerode.getImage(image).inspect()).Size;
    report.add({
      id: `image-${service}`,
      title: `${service}: Docker image (size)`,
      value: `${image} (${Math.round(size / 1e6)} MB)`,
    });
  }
} else {
  report.add({
    id: 'docker',
    title: 'Docker provider',
    value: 'not measured: no Docker engine answers on this machine',
  });
}

// 2. Isolation cost per suite, on shared servers of each provider (a process per provider: a process
// keeps one server per service).
for (const provider of providers) {
  const worker = spawnTsWorker(fileURLToPath(new URL('./isolation.ts', import.meta.url)), [provider, String(SAMPLES)]);
  const line = await worker.waitForLine(/^RESULT /, 600_000);
  await worker.exited;
  for (const m of JSON.parse(line.slice('RESULT '.length)) as Measurement[]) {
    medians[m.id] = m.summary.median;
    report.add(m);
  }
}

// 3. Which clone strategy the harness should use. FILE_COPY copies the files but forces two
// checkpoints; WAL_LOG (PostgreSQL 15's default) writes the whole template through the WAL. Measured
// on the local server (data directory on tmpfs), as the harness's shared server runs; the servers
// this result file records are the local ones too.
process.env.POC_PROVIDER = 'local';
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
const docker = providers.includes('docker')
  ? `; in Docker containers ${fmt('ready-docker-redis')}, ${fmt('ready-docker-postgres')}, ` +
    `${fmt('ready-docker-rabbitmq')}, ${fmt('ready-docker-kafka')} and ${fmt('ready-docker-toxiproxy')}, ` +
    `with isolation at ${fmt('suite-redis-docker')}, ${fmt('suite-postgres-docker')}, ` +
    `${fmt('suite-rabbitmq-docker')} and ${fmt('suite-kafka-docker')}`
  : '';
await report.finish(
  `Local servers answer in ${fmt('ready-local-redis')} (Redis), ${fmt('ready-local-postgres')} (PostgreSQL), ` +
    `${fmt('ready-local-rabbitmq')} (RabbitMQ), ${fmt('ready-local-kafka')} (Kafka) and ${fmt('ready-local-toxiproxy')} (toxiproxy); ` +
    `per-suite isolation costs ${fmt('suite-redis')} (Redis prefix), ${fmt('suite-postgres')} (fresh database), ` +
    `${fmt('suite-rabbitmq')} (RabbitMQ names) and ${fmt('suite-kafka')} (Kafka topic set)${docker}.`,
);
