// pnpm --filter poc-rabbitmq-priority demo: the scenario against a real RabbitMQ, printing what the
// README's "Expected output" shows.
import { amqpNamespace, eventually, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { priorityQueue, type PriorityQueue } from './index.ts';
import { naivePriorityQueue } from './naive.ts';
import { overtake } from './overtake.ts';

const say = (line = ''): void => console.log(line);
const BACKLOG = 40;
const PUBLISH_AFTER = 10;
const HANDLER_MS = 2;

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' }); // queue names of its own, removed at the end
  const opened: PriorityQueue[] = [];
  const open = async (make: typeof priorityQueue, base: string, maxPriority = 10) => {
    const q = await make(await ns.connect(), { queue: ns.name(base), maxPriority });
    opened.push(q);
    return q;
  };
  try {
    say(`RabbitMQ priority queue demo (RabbitMQ ${server.version}, ${server.provider})`);
    say();
    say('1. A backlog published as priorities 0 5 2 5 9 0 2 9 1 5, consumed afterwards (x-max-priority 10)');
    const ordered = await open(priorityQueue, 'order');
    const priorities = [0, 5, 2, 5, 9, 0, 2, 9, 1, 5];
    await ordered.publish(priorities.map((priority, i) => ({ payload: i, priority })));
    const seen: number[] = [];
    const c = await ordered.consume<number>({ handler: (_i, d) => void seen.push(d.priority) });
    await eventually(() => seen.length === priorities.length, { what: 'the backlog consumed' });
    await c.stop();
    say(`   delivered as ${seen.join(' ')}`);
    say();

    say(
      `2. An urgent message (priority 9) published after ${PUBLISH_AFTER} of ${BACKLOG} queued messages (priority 1) were handled, ${HANDLER_MS} ms each`,
    );
    const rows: Array<[string, typeof priorityQueue, number]> = [
      ['plain queue, prefetch 1   ', naivePriorityQueue, 1],
      ['x-max-priority, prefetch 1 ', priorityQueue, 1],
      ['x-max-priority, prefetch 10', priorityQueue, 10],
      ['x-max-priority, unlimited  ', priorityQueue, 0],
    ];
    for (const [label, make, prefetch] of rows) {
      const q = await open(make, `overtake_${opened.length}`);
      const r = await overtake(q, { backlog: BACKLOG, publishAfter: PUBLISH_AFTER, prefetch, handlerMs: HANDLER_MS });
      say(
        `   ${label}: ${String(r.handledBefore).padStart(2)} backlog messages handled before it, ${Math.round(r.latencyMs)} ms after its publish`,
      );
    }
    say();

    say('3. Priorities above the max: published 5, 9, 4 (in that order) to a max-5 and a max-10 queue');
    for (const max of [5, 10]) {
      const q = await open(priorityQueue, `cap${max}`, max);
      await q.publish([5, 9, 4].map((priority) => ({ payload: priority, priority })));
      const order: number[] = [];
      const cap = await q.consume<number>({ handler: (p) => void order.push(p) });
      await eventually(() => order.length === 3, { what: 'the three consumed' });
      await cap.stop();
      say(`   x-max-priority ${String(max).padStart(2)}: delivered ${order.join(', ')}`);
    }
    say();
    say('done');
  } finally {
    for (const q of opened) await q.close();
    await ns.close();
  }
});
