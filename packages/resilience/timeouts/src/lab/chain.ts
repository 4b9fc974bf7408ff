// Starts the lab chain A → B → C → PostgreSQL: three hop processes (src/lab/hop.ts) in one mode,
// C's database reached at `dbUrl` (the tests and the bench put toxiproxy there). Importable by tests,
// bench and demo (it uses @poc/harness, a dev dependency, like the demo).
import { fileURLToPath } from 'node:url';
import { spawnTsWorker, type WorkerProcess } from '@poc/harness';

export interface HopStats {
  name: string;
  mode: string;
  started: number;
  completed: number;
  timedOut: number;
  failed: number;
  refused: number;
  running: number;
  maxRunning: number;
  log: Array<{ id: string; endedAt: number; outcome: 'completed' | 'cancelled' | 'failed' }>;
}

export interface Chain extends AsyncDisposable {
  /** URL of A, the entry of the chain. */
  readonly entry: string;
  readonly urls: { a: string; b: string; c: string };
  stats(): Promise<{ a: HopStats; b: HopStats; c: HopStats }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface ChainOptions {
  mode: 'deadlines' | 'none';
  dbUrl: string;
  /** Per-hop reserve (deadlines mode), default 20 ms. */
  reserveMs?: number;
  /** Fixed per-hop timeout (none mode), default 30 s: longer than any caller waits, as such settings usually are. */
  hopTimeoutMs?: number;
  poolMax?: number;
}

const hopScript = fileURLToPath(new URL('./hop.ts', import.meta.url));

export async function startChain(options: ChainOptions): Promise<Chain> {
  const workers: WorkerProcess[] = [];
  const start = async (name: string, env: Record<string, string>): Promise<string> => {
    const w = spawnTsWorker(hopScript, [], {
      HOP_NAME: name,
      HOP_MODE: options.mode,
      HOP_RESERVE_MS: String(options.reserveMs ?? 20),
      HOP_TIMEOUT_MS: String(options.hopTimeoutMs ?? 30_000),
      HOP_POOL_MAX: String(options.poolMax ?? 10),
      ...env,
    });
    workers.push(w);
    return (await w.waitForLine(/^listening /)).slice('listening '.length);
  };
  const close = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.kill()));
  };
  try {
    const c = await start('C', { HOP_DB: options.dbUrl });
    const b = await start('B', { HOP_NEXT: c });
    const a = await start('A', { HOP_NEXT: b });
    const urls = { a, b, c };
    const get = async (url: string): Promise<HopStats> => (await (await fetch(`${url}/stats`)).json()) as HopStats;
    return {
      entry: a,
      urls,
      async stats() {
        const [sa, sb, sc] = await Promise.all([get(a), get(b), get(c)]);
        return { a: sa, b: sb, c: sc };
      },
      async reset() {
        await Promise.all([a, b, c].map((u) => fetch(`${u}/reset`, { method: 'POST' })));
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
