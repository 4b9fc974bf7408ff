// Lab helper (tests and bench): a process of src/node.ts, driven through its Redis control list and read from its stdout.
import { fileURLToPath } from 'node:url';
import { spawnTsWorker, type WorkerProcess } from '@poc/harness';
import type { Redis } from 'ioredis';
import type { NodeConfig } from '../protocol.ts';

const script = fileURLToPath(new URL('../node.ts', import.meta.url));
let seq = 0;

export interface Node {
  readonly id: string;
  readonly worker: WorkerProcess;
  get(key: string): Promise<unknown>;
  write(key: string, value: string): Promise<unknown>;
  status(): Promise<Record<string, unknown>>;
  /** Lines "applied <via> <key> <ms>" printed so far. */
  applied(): string[];
}

/** Starts a process and waits until it serves; `control` is a client with the suite's key prefix. */
export async function startNode(control: Redis, config: NodeConfig): Promise<Node> {
  const worker = spawnTsWorker(script, [JSON.stringify(config)]);
  await worker.waitForLine(`ready ${config.id}`);
  const call = async (command: Record<string, unknown>): Promise<unknown> => {
    const n = ++seq;
    await control.rpush(`ctl:${config.id}`, JSON.stringify({ ...command, seq: n }));
    const line = await worker.waitForLine(new RegExp(`^reply ${n} `));
    return JSON.parse(line.slice(`reply ${n} `.length)) as unknown;
  };
  return {
    id: config.id,
    worker,
    get: (key) => call({ op: 'get', key }),
    write: (key, value) => call({ op: 'write', key, value }),
    status: async () => (await call({ op: 'status' })) as Record<string, unknown>,
    applied: () => worker.lines.filter((l) => l.startsWith('applied ')),
  };
}
