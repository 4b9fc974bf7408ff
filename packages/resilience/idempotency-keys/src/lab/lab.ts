// Starts the payment API (./service.ts) in its own process on a database, and gives a client for it:
// post() sends one POST with an optional Idempotency-Key and answers { status, replayed, body }.
import { fileURLToPath } from 'node:url';
import { spawnTsWorker, type WorkerProcess } from '@poc/harness';
import { BARRIER_HEADER, CRASH_HEADER } from './service.ts';

export type Route = '/payments' | '/naive/payments' | '/after-commit/payments';

export interface Reply {
  status: number;
  replayed: boolean;
  body: unknown;
}

export interface PostOptions {
  key?: string;
  body?: unknown;
  crash?: 'after-effect' | 'before-reply';
  /** Hold on arrival until this many requests of the same barrier name have arrived: `{ name, n }`. */
  barrier?: { name: string; n: number };
  signal?: AbortSignal;
}

export interface Lab extends AsyncDisposable {
  readonly worker: WorkerProcess;
  readonly url: string;
  post(route: Route, options?: PostOptions): Promise<Reply>;
  payments(): Promise<number>;
  close(): Promise<void>;
}

const script = fileURLToPath(new URL('./service.ts', import.meta.url));

export async function startLab(databaseUrl: string, env: Record<string, string> = {}): Promise<Lab> {
  const worker = spawnTsWorker(script, [], { LAB_DATABASE_URL: databaseUrl, ...env });
  try {
    const url = `http://${(await worker.waitForLine(/^listening /)).slice('listening '.length)}`;
    const lab: Lab = {
      worker,
      url,
      async post(route, { key, body = { account: 'acme', amount: 100 }, crash, barrier, signal } = {}) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (key !== undefined) headers['idempotency-key'] = key;
        if (crash) headers[CRASH_HEADER] = crash;
        if (barrier) headers[BARRIER_HEADER] = `${barrier.name}/${barrier.n}`;
        const res = await fetch(`${url}${route}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
        return {
          status: res.status,
          replayed: res.headers.get('idempotent-replayed') === 'true',
          body: await res.json(),
        };
      },
      async payments() {
        const res = await fetch(`${url}/payments/count`);
        return ((await res.json()) as { count: number }).count;
      },
      close: () => worker.kill(),
      [Symbol.asyncDispose]: () => worker.kill(),
    };
    return lab;
  } catch (e) {
    await worker.kill();
    throw e;
  }
}
