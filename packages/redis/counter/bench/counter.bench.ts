// pnpm --filter poc-redis-counter bench
// One hot counter, many callers: Redis INCR against a PostgreSQL row updated with
// `UPDATE counters SET n = n + 1` (one autocommit transaction per increment), at equal durability:
//   A. nothing durable: the shared servers (Redis without persistence; PostgreSQL with fsync=off,
//      synchronous_commit=off) — the cost of the operation itself;
//   B. durable on disk: private servers whose data directories are on a real disk (checked: not
//      tmpfs) — PostgreSQL with its default durability (WAL flushed before a commit is answered)
//      against Redis AOF with appendfsync always (flushed before the reply) and with appendfsync
//      everysec (the usual production setting, which can lose ~1 s on a crash);
//   C. one caller at a time (latency-bound), shared servers.
//   D. what one Redis connection can do when the client is not the bottleneck: INCRs pipelined in
//      batches of 1,000 (a capacity figure, not a comparison).
// Correctness first (facts): the same increments through INCR, GET+SET and SQL, lost = expected - final.
// The SQL row is the baseline of every ratio: ratio = Redis ops/s ÷ SQL ops/s.
import {
  accessSync,
  closeSync,
  constants,
  fdatasyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { runMain } from '@poc/kit';

// --- where the durable servers keep their data --------------------------------------------------
// The harness puts server data directories under POC_HARNESS_RUN_DIR, else /dev/shm (RAM), where an
// fsync costs nothing. Part B is about fsync, so this process's servers go to a directory on the disk
// instead: POC_COUNTER_DISK_DIR, else /var/tmp (on disk by convention; /tmp is tmpfs on many systems).
// The file system is checked below, and the bench refuses to run part B on tmpfs or ramfs.
//
// The harness reads POC_HARNESS_RUN_DIR once, when its services module is first evaluated. So main()
// sets it, imports '@poc/harness/services' (which fixes this process's run directory), and puts the
// variable back before importing '@poc/harness' itself: that import takes the bench lock and may start
// the `pnpm bench` session's keeper, a detached process that inherits this environment and starts the
// servers every later bench of the session shares. Those must stay where the harness puts them.
//
// The run directory also holds the harness's port reservations (one lock file per port, shared by every
// harness process on the machine). So that this process keeps reserving ports where the others look,
// its `ports` is a symbolic link to the ports directory the others use. (A harness option to choose a
// private server's data directory would make both of these unnecessary.)
const defaultRunRoot = ((): string => {
  if (process.env.POC_HARNESS_RUN_DIR) return process.env.POC_HARNESS_RUN_DIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm/poc-harness';
  } catch {
    return join(tmpdir(), 'poc-harness');
  }
})();
const diskRoot = process.env.POC_COUNTER_DISK_DIR ?? '/var/tmp/poc-counter-bench-disk';
mkdirSync(diskRoot, { recursive: true });
mkdirSync(defaultRunRoot, { recursive: true });
if (realpathSync(diskRoot) !== realpathSync(defaultRunRoot)) {
  const sharedPorts = join(defaultRunRoot, 'ports');
  const ourPorts = join(diskRoot, 'ports');
  mkdirSync(sharedPorts, { recursive: true });
  let kind: 'link' | 'dir' | 'none' = 'none';
  try {
    kind = lstatSync(ourPorts).isSymbolicLink() ? 'link' : 'dir';
  } catch {
    /* not there yet */
  }
  if (kind === 'dir') rmSync(ourPorts, { recursive: true, force: true }); // left by an older version of this bench
  if (kind !== 'link') symlinkSync(sharedPorts, ourPorts);
}

/** The file system a path lives on, from /proc/mounts (Linux); undefined when the path is not on this host. */
function fileSystemOf(path: string): { type: string; source: string; mount: string } | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  let best: { type: string; source: string; mount: string } | undefined;
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [source, target, type] = line.split(' ');
    if (!source || !target || !type) continue;
    const mount = target.replace(/\\040/g, ' ');
    const inside = real === mount || real.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
    if (inside && (!best || mount.length > best.mount.length)) best = { type, source, mount };
  }
  return best;
}
const RAM_FILE_SYSTEMS = new Set(['tmpfs', 'ramfs']);
const describeFs = (path: string): string => {
  const fs = fileSystemOf(path);
  if (!fs) return 'not visible from this host';
  return RAM_FILE_SYSTEMS.has(fs.type) ? `${fs.type} (RAM)` : `${fs.type} on ${fs.source}`;
};

const CONCURRENCY = 16;
const CHECK_EACH = 200;
const ROUNDS = 6;
const DURATION_MS = 1_500;
const ONE_CALLER_MS = 750;
const PIPELINED = 20_000;
const BATCH = 1_000;
const FLUSH_SAMPLES = 30;

runMain(async () => {
  const runDirFromEnv = process.env.POC_HARNESS_RUN_DIR;
  process.env.POC_HARNESS_RUN_DIR = diskRoot;
  const { postgresDatabase, privatePostgres, privateRedis, redisClient, redisNamespace } =
    await import('@poc/harness/services');
  if (runDirFromEnv === undefined) delete process.env.POC_HARNESS_RUN_DIR;
  else process.env.POC_HARNESS_RUN_DIR = runDirFromEnv;
  const { benchReport, compareLoad, compareThroughput, measure } = await import('@poc/harness');
  const { default: Pg } = await import('pg');
  const { counters, sqlCounter } = await import('../src/index.ts');
  const { naiveIncrement } = await import('../src/naive.ts');

  const diskFs = fileSystemOf(diskRoot);
  if (!diskFs || RAM_FILE_SYSTEMS.has(diskFs.type)) {
    throw new Error(
      `${diskRoot} is on ${diskFs ? diskFs.type : 'an unknown file system'}: part B measures fsync and needs a directory on a real disk; ` +
        'set POC_COUNTER_DISK_DIR to one',
    );
  }

  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const clientsFor = (make: () => Redis): Redis[] => {
    const list = Array.from({ length: CONCURRENCY }, make);
    cleanups.push(() => list.forEach((c) => c.disconnect()));
    return list;
  };

  try {
    // --- servers -------------------------------------------------------------------------------
    const ns = await redisNamespace({ name: 'cntbench' });
    cleanups.push(() => ns.close());
    const db = await postgresDatabase({ name: 'cntbench' });
    cleanups.push(() => db.close());
    const sharedRedis = clientsFor(() => ns.client());
    const sharedPool = db.pool({ max: CONCURRENCY });

    const pgDisk = await privatePostgres();
    cleanups.push(() => pgDisk.close());
    const diskPool = new Pg.Pool({ connectionString: pgDisk.url, max: CONCURRENCY });
    // pool.end() resolves before its sockets close; the server's shutdown right after it then ends
    // their backends, and a pool without an error listener would crash the process on that FATAL.
    diskPool.on('error', () => {});
    cleanups.push(() => diskPool.end());
    const redisAlways = await privateRedis({
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ],
    });
    cleanups.push(() => redisAlways.close());
    const redisEverysec = await privateRedis({
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'everysec'],
      ],
    });
    cleanups.push(() => redisEverysec.close());
    const alwaysClients = clientsFor(() => redisClient(redisAlways.url));
    const everysecClients = clientsFor(() => redisClient(redisEverysec.url));

    const setting = async (pool: pg.Pool, name: string): Promise<string> =>
      (await pool.query<{ v: string }>(`SELECT current_setting('${name}') AS v`)).rows[0]!.v;
    const describePg = async (pool: pg.Pool): Promise<string> => {
      const data = await setting(pool, 'data_directory');
      return `fsync=${await setting(pool, 'fsync')} synchronous_commit=${await setting(pool, 'synchronous_commit')} full_page_writes=${await setting(pool, 'full_page_writes')} data on ${describeFs(data)} (${data})`;
    };
    const describeRedis = async (r: Redis): Promise<string> => {
      const get = async (name: string): Promise<string> => ((await r.config('GET', name)) as string[])[1] ?? '?';
      const dir = await get('dir');
      return `appendonly=${await get('appendonly')} appendfsync=${await get('appendfsync')} dir on ${describeFs(dir)} (${dir})`;
    };

    // The durable servers must really be on the disk checked above (a Docker provider would put them
    // elsewhere: their directory is then not visible from this host, and the parameters say so).
    for (const [what, dir] of [
      ['PostgreSQL (fsync per commit)', await setting(diskPool, 'data_directory')],
      ['Redis (AOF always)', ((await alwaysClients[0]!.config('GET', 'dir')) as string[])[1]!],
    ] as const) {
      const fs = fileSystemOf(dir);
      if (fs && RAM_FILE_SYSTEMS.has(fs.type))
        throw new Error(`${what} keeps its data on ${fs.type} (${dir}): not a disk`);
    }

    const sharedSql = sqlCounter(sharedPool);
    const diskSql = sqlCounter(diskPool);
    await sharedSql.create();
    await diskSql.create();
    // Open every connection before anything is timed.
    await Promise.all([...sharedRedis, ...alwaysClients, ...everysecClients].map((c) => c.ping()));
    await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        Promise.all([sharedPool.query('SELECT 1'), diskPool.query('SELECT 1')]),
      ),
    );

    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        durationMsPerVariantPerRound: `${DURATION_MS} (A, B), ${ONE_CALLER_MS} (C)`,
        connections: `${CONCURRENCY} per variant (one per caller)`,
        sqlIncrement: 'UPDATE counters SET n = n + 1 WHERE name = $1 RETURNING n (autocommit, one hot row)',
        diskFileSystem: `${diskFs.type} on ${diskFs.source}`,
        diskDirectory: diskRoot,
        sharedPostgres: await describePg(sharedPool),
        diskPostgres: await describePg(diskPool),
        sharedRedis: await describeRedis(sharedRedis[0]!),
        redisAlways: await describeRedis(alwaysClients[0]!),
        redisEverysec: await describeRedis(everysecClients[0]!),
        correctnessRun: `${CONCURRENCY} callers x ${CHECK_EACH} increments`,
        correctnessIncrements: CONCURRENCY * CHECK_EACH,
        pipelined: `${PIPELINED} INCRs per sample in batches of ${BATCH}, one connection`,
      },
      services: ['redis', 'postgres'],
    });

    // --- what one flush costs on that disk --------------------------------------------------------
    const probeFile = join(diskRoot, `flush-probe-${process.pid}`);
    const fd = openSync(probeFile, 'w');
    cleanups.push(() => rmSync(probeFile, { force: true }));
    cleanups.push(() => closeSync(fd));
    const block = Buffer.alloc(4_096, 1);
    report.add(
      await measure({
        id: 'disk-flush-ms',
        title: `One 4 KiB write + fdatasync in ${diskRoot} (${diskFs.type} on ${diskFs.source})`,
        samples: FLUSH_SAMPLES,
        warmup: 3,
        run: () => {
          writeSync(fd, block, 0, block.length, 0);
          fdatasyncSync(fd);
        },
      }),
    );

    // --- correctness: the same increments through each method -------------------------------------
    const expected = CONCURRENCY * CHECK_EACH;
    const methods: Record<string, { id: string; one: (w: number) => Promise<unknown>; final: () => Promise<number> }> =
      {
        'redis INCR': {
          id: 'lost-incr',
          one: (w) => counters(sharedRedis[w]!).increment('check-incr'),
          final: () => counters(sharedRedis[0]!).get('check-incr'),
        },
        'redis GET+SET': {
          id: 'lost-get-set',
          one: (w) => naiveIncrement(sharedRedis[w]!, 'counter:check-naive'),
          final: () => counters(sharedRedis[0]!).get('check-naive'),
        },
        'SQL UPDATE n = n + 1': {
          id: 'lost-sql',
          one: () => sharedSql.increment('check'),
          final: () => sharedSql.get('check'),
        },
      };
    for (const [name, m] of Object.entries(methods)) {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, w) => {
          for (let i = 0; i < CHECK_EACH; i++) await m.one(w);
        }),
      );
      const final = await m.final();
      process.stderr.write(`  correctness ${name}: ${final} of ${expected} (${expected - final} lost)\n`);
      report.add({ id: m.id, title: `Lost increments, ${name} (of ${expected})`, value: expected - final });
    }

    // --- A. nothing durable ----------------------------------------------------------------------
    report.add(
      await compareLoad({
        id: 'hot-counter-not-durable',
        title: `A. One hot counter, ${CONCURRENCY} callers, nothing durable (shared servers: fsync off / no persistence)`,
        variants: {
          'SQL UPDATE (fsync off)': () => sharedSql.increment('load'),
          'redis INCR (no persistence)': (w) => counters(sharedRedis[w]!).increment('load'),
        },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );

    // --- B. durable on disk ------------------------------------------------------------------------
    report.add(
      await compareLoad({
        id: 'hot-counter-durable',
        title: `B. One hot counter, ${CONCURRENCY} callers, durable on ${diskFs.type} on ${diskFs.source} (private servers)`,
        variants: {
          'SQL UPDATE (fsync per commit)': () => diskSql.increment('load'),
          'redis INCR (AOF fsync always)': (w) => counters(alwaysClients[w]!).increment('load'),
          'redis INCR (AOF fsync everysec)': (w) => counters(everysecClients[w]!).increment('load'),
        },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );

    // --- C. one caller ---------------------------------------------------------------------------
    report.add(
      await compareThroughput({
        id: 'one-caller',
        title: 'C. One caller, one increment at a time (shared servers)',
        variants: {
          'SQL UPDATE (fsync off)': () => sharedSql.increment('single'),
          'redis INCR (no persistence)': () => counters(sharedRedis[0]!).increment('single'),
        },
        rounds: ROUNDS,
        timeMs: ONE_CALLER_MS,
      }),
    );

    // --- D. Redis capacity when round trips and the client's CPU are taken out --------------------
    const pipelined = await measure({
      id: 'pipelined-incr',
      title: `D. ${PIPELINED.toLocaleString('en-US')} INCRs pipelined on one connection (batches of ${BATCH})`,
      samples: 5,
      run: async () => {
        for (let done = 0; done < PIPELINED; done += BATCH) {
          const p = sharedRedis[0]!.pipeline();
          for (let i = 0; i < BATCH; i++) p.incr('counter:pipelined');
          await p.exec();
        }
      },
    });
    report.add(pipelined);
    report.add({
      id: 'pipelined-incr-rate',
      title: 'D. Pipelined INCR rate (median sample)',
      value: Math.round((PIPELINED / pipelined.summary.median) * 1_000),
      unit: 'increments/s',
    });

    await report.finish(
      "The roadmap's claim, ~500x faster than a SQL UPDATE counter and zero lost increments: of {param:correctnessIncrements} concurrent " +
        'increments INCR lost {fact:lost-incr}, the SQL row {fact:lost-sql} and GET+SET {fact:lost-get-set}. ' +
        'Redis INCR ÷ SQL UPDATE n = n + 1 on one hot row with {param:concurrency} callers: ' +
        '{ratio:hot-counter-not-durable/redis INCR (no persistence)} with nothing durable; with every increment flushed to ' +
        '{param:diskFileSystem} before it is answered (one flush there: {measure:disk-flush-ms}), ' +
        '{ratio:hot-counter-durable/redis INCR (AOF fsync always)} (AOF always against PostgreSQL fsync per commit), and ' +
        '{ratio:hot-counter-durable/redis INCR (AOF fsync everysec)} with AOF everysec; one caller: ' +
        '{ratio:one-caller/redis INCR (no persistence)}; pipelined, one connection did {fact:pipelined-incr-rate}.',
    );
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  }
});
