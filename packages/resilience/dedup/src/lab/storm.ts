// The redelivery storm across processes, shared by the tests and the demo: each message is delivered 1 to
// 5 times, shuffled, to 3 consumer processes (./consumer.ts via spawnTsWorker); the first is SIGKILLed at
// its 10th delivery, or 10th effect in two steps ("holding <id>"), its unacknowledged delivery goes back to the queue, and a restarted
// consumer drains the rest with the others. Returns the effect counters per message id.
import { fileURLToPath } from 'node:url';
import { redisClient, spawnTsWorker, type WorkerProcess } from '@poc/harness';
import { APPLIED } from './consumer.ts';
import { enqueue, processingList, requeue, seeded, stormOf, type Delivery } from './queue.ts';

export interface StormOptions {
  /** Redis URL and the key prefix everything of this storm lives under. */
  url: string;
  prefix: string;
  mode: 'set-nx' | 'naive';
  steps?: 'one' | 'two';
  messages: number;
  maxCopies?: number;
  seed?: number;
  holdAfter?: number;
}

export interface StormResult {
  /** Effect counter per message id, as read back from Redis. */
  counts: Record<string, number>;
  /** The id the killed consumer held. */
  held: string;
  /** Deliveries made, the redelivery of the held one included. */
  deliveries: number;
  /** Deliveries left unacknowledged in the killed consumer's list, before the requeue. */
  unacknowledged: number;
}

const script = fileURLToPath(new URL('./consumer.ts', import.meta.url));

export async function runStorm(options: StormOptions): Promise<StormResult> {
  const { url, prefix, mode, steps = 'one', messages, maxCopies = 5, seed = 74, holdAfter = 10 } = options;
  const client = redisClient(url, { keyPrefix: prefix });
  const workers: WorkerProcess[] = [];
  try {
    const all: Delivery[] = Array.from({ length: messages }, (_, i) => ({ id: `m${i}`, partition: 'orders' }));
    const deliveries = stormOf(all, maxCopies, seeded(seed));
    await enqueue(client, 'queue', deliveries);
    const start = (name: string, env: Record<string, string> = {}): WorkerProcess => {
      const w = spawnTsWorker(script, [], {
        LAB_REDIS_URL: url,
        LAB_PREFIX: prefix,
        LAB_QUEUE: 'queue',
        LAB_NAME: name,
        LAB_MODE: mode,
        LAB_STEPS: steps,
        ...env,
      });
      workers.push(w);
      return w;
    };
    const go = async (ws: WorkerProcess[], names: string[]): Promise<void> => {
      await Promise.all(ws.map((w) => w.waitForLine('ready')));
      for (const n of names) await client.rpush(`queue:go:${n}`, 'go');
    };
    const victim = start('a', { LAB_HOLD_AFTER: String(holdAfter) });
    const others = [start('b'), start('c')];
    await go([victim, ...others], ['a', 'b', 'c']); // all three start together
    const held = (await victim.waitForLine(/^holding /)).slice('holding '.length);
    await victim.kill();
    const unacknowledged = await client.llen(processingList('queue', 'a'));
    await requeue(client, 'queue', 'a'); // redelivered
    const restarted = start('a2');
    await go([restarted], ['a2']);
    await Promise.all([...others, restarted].map((w) => w.waitForLine(/^drained /)));
    const left = await client.llen('queue');
    if (left !== 0) throw new Error(`the queue still holds ${left} deliveries after every consumer drained`);
    const counts = Object.fromEntries(Object.entries(await client.hgetall(APPLIED)).map(([k, v]) => [k, Number(v)]));
    return { counts, held, deliveries: deliveries.length + unacknowledged, unacknowledged };
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
    client.disconnect();
  }
}
