// pnpm --filter poc-rabbitmq-work-queue demo: a work queue on a real RabbitMQ — confirms, fair dispatch,
// a worker that dies mid-message, a broker that says no.
import { setTimeout as sleep } from 'node:timers/promises';
import { runMain } from '@poc/kit';
import { amqpNamespace, eventually, serverFor, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { publisher, worker, type Worker } from './index.ts';

interface Job {
  n: number;
}

const say = (line = ''): void => console.log(line);

/** Runs a fast and a slow worker with the same prefetch on 40 jobs; returns who did how many, and how long it took. */
async function fastAndSlow(ns: AmqpNamespace, conn: ChannelModel, prefetch: number): Promise<string> {
  const queue = ns.name(`dispatch_${prefetch}`);
  const jobs = await publisher<Job>(conn, queue);
  const done = { fast: 0, slow: 0 };
  const start = (label: 'fast' | 'slow', ms: number): Promise<Worker> =>
    worker<Job>(conn, queue, { prefetch, handler: async () => void (await sleep(ms), done[label]++) });
  const workers = await Promise.all([start('fast', 2), start('slow', 40)]);
  const t0 = performance.now();
  await jobs.publishAll(Array.from({ length: 40 }, (_, n) => ({ n })));
  await eventually(() => done.fast + done.slow === 40, { timeoutMs: 30_000 });
  const ms = Math.round(performance.now() - t0);
  await Promise.all(workers.map((w) => w.stop()));
  await jobs.close();
  return `fast did ${String(done.fast).padStart(2)}, slow did ${String(done.slow).padStart(2)}, all 40 done in ${ms} ms`;
}

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' }); // unique queue names, deleted at the end
  try {
    const conn = await ns.connect();
    say(`RabbitMQ work queue demo (RabbitMQ ${server.version}, ${server.provider})`);

    say('\n1. Publish with confirms: publish() resolves only when the broker has the message');
    const queue = ns.name('jobs');
    const jobs = await publisher<Job>(conn, queue); // durable queue, persistent messages, confirms on
    const first = await jobs.publish({ n: 1 });
    say(`   confirmed ${first.slice(0, 8)}… (durable queue, persistent message)`);
    const batch = await jobs.publishAll(Array.from({ length: 99 }, (_, i) => ({ n: i + 2 })));
    say(`   confirmed a batch of ${batch.length} with one wait for all confirms`);

    say('\n2. Three workers share the 100 jobs (prefetch 5, one handler at a time, ack after the handler)');
    const seen = new Map<string, number>();
    const byWorker = { a: 0, b: 0, c: 0 };
    const three = await Promise.all(
      (['a', 'b', 'c'] as const).map((label) =>
        worker<Job>(conn, queue, {
          prefetch: 5,
          handler: async (_job, d) => {
            await sleep(1);
            seen.set(d.messageId!, (seen.get(d.messageId!) ?? 0) + 1);
            byWorker[label]++;
          },
        }),
      ),
    );
    await eventually(() => seen.size === 100);
    await Promise.all(three.map((w) => w.stop()));
    say(
      `   a ${byWorker.a}, b ${byWorker.b}, c ${byWorker.c}; distinct ids ${seen.size}, processed twice ${[...seen.values()].filter((c) => c > 1).length}`,
    );

    say('\n3. A fast (2 ms per job) and a slow (40 ms per job) worker, one handler at a time each, 40 jobs');
    say(`   prefetch unlimited: ${await fastAndSlow(ns, conn, 0)}`);
    say(`   prefetch 1:         ${await fastAndSlow(ns, conn, 1)}`);

    say('\n4. A worker dies holding a message (its connection drops before the ack)');
    const crashQueue = ns.name('crash');
    const crashJobs = await publisher<Job>(conn, crashQueue);
    const doomedConn = await ns.connect();
    let taken = '';
    await worker<Job>(doomedConn, crashQueue, {
      prefetch: 1,
      handler: (_job, d) => {
        taken = d.messageId!;
        return new Promise<void>(() => {}); // never finishes
      },
    });
    await crashJobs.publish({ n: 42 });
    await eventually(() => taken !== '');
    say(`   doomed worker took ${taken.slice(0, 8)}…`);
    await doomedConn.close(); // what the broker sees when a worker process dies: the connection is gone, no ack
    const redelivered: string[] = [];
    const rescuer = await worker<Job>(conn, crashQueue, {
      prefetch: 1,
      handler: (_job, d) => void redelivered.push(`${d.messageId!.slice(0, 8)}… redelivered=${d.redelivered}`),
    });
    await eventually(() => redelivered.length === 1);
    say(`   another worker got ${redelivered[0]}`);
    await rescuer.stop();
    await crashJobs.close();

    say('\n5. The broker refuses a message (queue full, x-overflow reject-publish)');
    const small = await publisher<Job>(conn, ns.name('small'), {
      arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
    });
    await small.publish({ n: 1 });
    await small.publish({ n: 2 }, { messageId: 'second' }).catch((e: unknown) => say(`   ${String(e)}`));
    await small.close();
    await jobs.close();
    say('\ndone');
  } finally {
    await ns.close();
  }
});
