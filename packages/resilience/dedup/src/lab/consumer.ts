// A consumer process for the redelivery storm (`node --import tsx src/lab/consumer.ts`, started with
// spawnTsWorker): it drains the queue of ./queue.ts, applying each delivery's effect (HINCRBY of the
// message's counter in the hash "applied") through dedup() or, with LAB_MODE=naive, through naiveDedup().
// LAB_HOLD_AFTER=k makes it stop dead at its k-th delivery, printing "holding <id>": the moment a test
// SIGKILLs it. With the effect in the mark's Lua script (onceInRedis) it stops after the script, before
// the acknowledgement; with LAB_STEPS=two (once(): SET NX, then the effect as a second command) it stops
// between the mark and the effect, the window that script closes.
// Env: LAB_REDIS_URL, LAB_PREFIX (ioredis keyPrefix of the suite), LAB_QUEUE, LAB_NAME, LAB_MODE
// (set-nx | high-water | naive), LAB_STEPS (one | two), LAB_TTL_MS, LAB_HOLD_AFTER. It prints "ready", then
// waits for an element on the list "<queue>:go:<name>" (the start gate), so consumers start together.
import { Redis } from 'ioredis';
import { dedup, type Dedup, type DedupStrategy, type RedisCommand } from '../index.ts';
import { naiveDedup } from '../naive.ts';
import { ack, take } from './queue.ts';

export const APPLIED = 'applied';

/** The effect of a message: one more on its counter. Counting per id is how a test sees a duplicate. */
export const countEffect = (id: string): RedisCommand[] => [{ command: 'HINCRBY', key: APPLIED, args: [id, 1] }];

export function consumerDedup(redis: Redis, mode: string, ttlMs: number): Dedup {
  const strategy: DedupStrategy = mode === 'high-water' ? { kind: 'high-water' } : { kind: 'set-nx', ttlMs };
  return mode === 'naive'
    ? naiveDedup(redis, { prefix: 'dedup', strategy })
    : dedup(redis, { prefix: 'dedup', strategy });
}

const hold = async (id: string): Promise<never> => {
  console.log(`holding ${id}`);
  return new Promise<never>(() => undefined); // SIGKILLed here
};

/** Drains the queue; returns how many deliveries it applied (not skipped as duplicates). */
export async function drain(
  redis: Redis,
  subject: Dedup,
  queue: string,
  name: string,
  { holdAfter = Infinity, steps = 'one' }: { holdAfter?: number; steps?: 'one' | 'two' } = {},
): Promise<number> {
  let applied = 0;
  let taken = 0;
  let effects = 0;
  for (;;) {
    const next = await take(redis, queue, name);
    if (!next) return applied;
    const { id } = next.delivery;
    if (steps === 'one') {
      if (await subject.onceInRedis(next.delivery, countEffect(id))) applied++;
      if (++taken === holdAfter) await hold(id); // applied (or skipped), never acknowledged
    } else {
      const outcome = await subject.once(next.delivery, async () => {
        if (++effects === holdAfter) await hold(id); // marked as seen, effect not applied yet
        await redis.hincrby(APPLIED, id, 1);
      });
      if (outcome.applied) applied++;
    }
    await ack(redis, queue, name, next.raw);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const redis = new Redis(env.LAB_REDIS_URL!, { keyPrefix: env.LAB_PREFIX ?? '' });
  const subject = consumerDedup(redis, env.LAB_MODE ?? 'set-nx', Number(env.LAB_TTL_MS ?? 3_600_000));
  console.log('ready');
  await redis.blpop(`${env.LAB_QUEUE!}:go:${env.LAB_NAME!}`, 0); // the start gate: every consumer starts together
  const applied = await drain(redis, subject, env.LAB_QUEUE!, env.LAB_NAME!, {
    holdAfter: Number(env.LAB_HOLD_AFTER ?? Infinity),
    steps: env.LAB_STEPS === 'two' ? 'two' : 'one',
  });
  console.log(`drained ${applied}`);
  redis.disconnect();
}
