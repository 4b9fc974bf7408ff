// The scenario the demo and the bench run (not part of the public API): a consumer draining a backlog of
// low-priority messages, an urgent message published in the middle of it, and how many backlog messages
// were handled between that publish and the urgent message's handler — the ones the consumer already held
// (its prefetch) plus, on a plain queue, everything still queued.
import { systemClock, type Clock } from '@poc/kit';
import type { PriorityQueue } from './priority.ts';

export interface OvertakeOptions {
  /** Low-priority (1) messages queued before the consumer starts. */
  backlog: number;
  /** The urgent message (priority 9) is published once this many backlog messages have been handled. */
  publishAfter: number;
  /** The consumer's prefetch (0 = unlimited). */
  prefetch: number;
  /** What one handler call costs, in ms (0: no wait at all). */
  handlerMs: number;
  clock?: Clock;
}

export interface OvertakeResult {
  /** Backlog messages handled after the urgent one was published and before its handler ran. */
  handledBefore: number;
  /** From the start of the urgent publish to its handler, in ms. */
  latencyMs: number;
  /** Everything handled: backlog + 1 (checked). */
  handled: number;
}

export async function overtake(q: PriorityQueue, options: OvertakeOptions): Promise<OvertakeResult> {
  const { backlog, publishAfter, prefetch, handlerMs, clock = systemClock } = options;
  await q.publish(Array.from({ length: backlog }, (_, i) => ({ payload: { id: `b${i}` }, priority: 1 })));
  let handled = 0;
  let publishedAt = 0;
  let countAtPublish = 0;
  let result: Pick<OvertakeResult, 'handledBefore' | 'latencyMs'> | undefined;
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const consumer = await q.consume<{ id: string }>({
    prefetch,
    handler: async ({ id }) => {
      if (id === 'urgent') {
        result = { handledBefore: handled - countAtPublish, latencyMs: performance.now() - publishedAt };
      }
      if (handlerMs > 0) await clock.sleep(handlerMs);
      handled++;
      if (handled === publishAfter) {
        countAtPublish = handled;
        publishedAt = performance.now();
        q.publish([{ payload: { id: 'urgent' }, priority: 9 }]).catch(fail);
      }
      if (handled === backlog + 1) finish();
    },
  });
  try {
    await finished;
  } finally {
    await consumer.stop();
  }
  if (!result) throw new Error('the urgent message was never handled');
  return { ...result, handled };
}
