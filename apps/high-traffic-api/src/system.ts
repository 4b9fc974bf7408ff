// The whole system on one machine: Redis and PostgreSQL from the harness, N API instances as separate
// processes, and a real nginx in front. `pnpm --filter high-traffic-api start` runs it until Ctrl-C;
// the demo, the tests and the bench call startSystem().
import { fileURLToPath } from 'node:url';
import { runMain } from '@poc/kit';
import { postgresDatabase, redisNamespace, serverFor, startNginx, type NginxServer } from '@poc/harness/services';
import { spawnTsWorker, type WorkerProcess } from '@poc/harness/testing';

export interface SystemOptions {
  /** API processes behind nginx (default 3). */
  instances?: number;
  /** Requests per client and window (default 100). */
  rateLimit?: number;
  rateWindowMs?: number;
  /** Default 'sliding-counter' (shared in Redis); 'per-instance' is the naive in-memory limiter. */
  rateAlgorithm?: 'sliding-counter' | 'sliding-log' | 'per-instance';
  /** Default true. */
  cache?: boolean;
  cacheTtlMs?: number;
  /** Products seeded into the fresh database (default 3000). */
  products?: number;
  balance?: 'round_robin' | 'least_conn';
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Name for the database and the Redis key prefix. */
  name?: string;
}

export interface Instance {
  id: string;
  /** 127.0.0.1:<port>, as nginx (and X-Upstream) names it. */
  address: string;
  worker: WorkerProcess;
}

export interface System {
  /** nginx: send every request here. */
  url: string;
  lb: NginxServer;
  instances: Instance[];
  /** The Redis key prefix every instance uses (the system's share of the Redis). */
  redisPrefix: string;
  postgresUrl: string;
  /** Closes nginx, SIGTERMs every instance and waits for it, then drops the database and the Redis keys. Idempotent. */
  stop(): Promise<void>;
  /** Only nginx and the instances (for Ctrl-C, when the harness is already stopping the servers it started). */
  stopProcesses(): Promise<void>;
}

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const {
    instances: count = 3,
    rateLimit = 100,
    rateWindowMs = 60_000,
    rateAlgorithm = 'sliding-counter',
    cache = true,
    cacheTtlMs = 30_000,
    products = 3_000,
    balance = 'round_robin',
    log = () => {},
    name = 'hta',
  } = options;
  const [ns, db] = await Promise.all([redisNamespace({ name }), postgresDatabase({ name })]);
  log(`redis keys under "${ns.prefix}", PostgreSQL database "${db.name}"`);
  const instances: Instance[] = [];
  let lb: NginxServer | undefined;
  let stopped = false;
  const stopProcesses = async (): Promise<void> => {
    await lb?.close();
    await Promise.all(
      instances.map(async ({ worker }) => {
        if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGTERM');
        await worker.exited;
      }),
    );
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopProcesses();
    await Promise.allSettled([db.close(), ns.close()]);
  };
  try {
    const spawnOne = async (i: number): Promise<Instance> => {
      const id = `api-${i + 1}`;
      const worker = spawnTsWorker(serverScript, [], {
        POC_REDIS_URL: ns.url,
        REDIS_KEY_PREFIX: ns.prefix,
        POC_POSTGRES_URL: db.url,
        PORT: '0',
        INSTANCE_ID: id,
        RATE_LIMIT: String(rateLimit),
        RATE_WINDOW_MS: String(rateWindowMs),
        RATE_ALGORITHM: rateAlgorithm,
        CACHE: cache ? 'on' : 'off',
        CACHE_TTL_MS: String(cacheTtlMs),
        SEED_PRODUCTS: String(products),
      });
      const instance = { id, address: '', worker };
      instances.push(instance);
      const line = await worker.waitForLine(/^listening on \d+$/, 60_000);
      instance.address = `127.0.0.1:${line.split(' ').at(-1)}`;
      log(`${id} listening on ${instance.address} (pid ${worker.process.pid})`);
      return instance;
    };
    await Promise.all(Array.from({ length: count }, (_, i) => spawnOne(i)));
    instances.sort((a, b) => a.id.localeCompare(b.id));
    lb = await startNginx({ upstreams: instances.map((i) => i.address), balance, maxFails: 1, failTimeoutS: 10 });
    log(`nginx (${lb.provider}, ${balance}) on ${lb.url} -> ${instances.map((i) => i.address).join(', ')}`);
    return { url: lb.url, lb, instances, redisPrefix: ns.prefix, postgresUrl: db.url, stop, stopProcesses };
  } catch (e) {
    await stop();
    throw e;
  }
}

// `tsx src/system.ts`: run until Ctrl-C.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runMain(async (signal) => {
    const say = (line: string): void => console.log(line);
    const external = Boolean(process.env.POC_REDIS_URL && process.env.POC_POSTGRES_URL); // read before serverFor sets them
    const [redis, postgres] = await Promise.all([serverFor('redis'), serverFor('postgres')]);
    say(`Redis ${redis.version} and PostgreSQL ${postgres.version} (${redis.provider})`);
    const system = await startSystem({
      instances: Number(process.env.INSTANCES ?? 3),
      rateLimit: Number(process.env.RATE_LIMIT ?? 100),
      cache: process.env.CACHE !== 'off',
      log: say,
      name: 'start',
    });
    say(`\nready: ${system.url}   try: curl -i ${system.url}/products/42   (Ctrl-C stops everything)`);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    // Servers the harness started itself (no POC_*_URL given) are stopped by its own signal hook, with
    // their data; servers you pointed it at stay up, so the database and the keys are removed here.
    say(`\nstopping nginx and the instances${external ? ', then the database and the Redis keys' : ''} ...`);
    await (external ? system.stop() : system.stopProcesses());
    say('stopped');
  });
}
