// pnpm --filter poc-resilience-dedup demo: a redelivery storm against a real Redis, drained by 3 consumer
// processes one of which is SIGKILLed mid-way; then the strategies' edges: the two-step window, order for
// high-water, and what a mark costs in memory. Prints what the README's "Expected output" shows.
import { redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { dedup } from './index.ts';
import { APPLIED, countEffect } from './lab/consumer.ts';
import { seeded, stormOf } from './lab/queue.ts';
import { runStorm, type StormResult } from './lab/storm.ts';

const say = (line = ''): void => console.log(line);
const MESSAGES = 200;

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  try {
    say(`Dedup demo: ${server.service} ${server.version} (${server.provider})`);
    say(
      `\n1. ${MESSAGES} messages, each delivered 1-5 times, shuffled; 3 consumer processes, one SIGKILLed at its 10th delivery`,
    );
    const summary = (r: StormResult): string => {
      const counts = Object.values(r.counts);
      const applied = counts.reduce((a, b) => a + b, 0);
      return `${r.deliveries} deliveries -> ${applied} effects, ${counts.filter((c) => c > 1).length} messages applied twice or more, ${MESSAGES - counts.length} never applied`;
    };
    let run = 0;
    const storm = (mode: 'set-nx' | 'naive', steps: 'one' | 'two' = 'one') =>
      runStorm({ url: ns.url, prefix: `${ns.prefix}s${++run}:`, mode, steps, messages: MESSAGES });
    say(`   no dedup (naive):                  ${summary(await storm('naive'))}`);
    say(`   set-nx, mark + effect in one Lua:  ${summary(await storm('set-nx'))}`);
    say(`   set-nx in two steps (SET NX, then the effect), killed between them:`);
    say(`                                      ${summary(await storm('set-nx', 'two'))}`);

    say('\n2. high-water: one mark per partition, 100 messages');
    const hwIds = Array.from({ length: 100 }, (_, i) => ({ id: `${1_700_000_000_000 + i}-0`, partition: 'p' }));
    const inOrder = [...hwIds.slice(0, 60), ...hwIds.slice(40)]; // a consumer restarted 20 messages back
    for (const [label, deliveries] of [
      ['in order, 20 redelivered after a rewind', inOrder],
      ['shuffled storm (out of order)         ', stormOf(hwIds, 5, seeded(3))],
    ] as const) {
      const client = ns.client();
      const subject = dedup(client, { prefix: `hw${++run}`, strategy: { kind: 'high-water' } });
      const hash = `hw${run}:${APPLIED}`;
      for (const d of deliveries) await subject.onceInRedis(d, [{ ...countEffect(d.id)[0]!, key: hash }]);
      const counts = Object.values(await client.hgetall(hash)).map(Number);
      say(
        `   ${label}: ${deliveries.length} deliveries -> ${counts.length} applied once, ${100 - counts.length} never applied`,
      );
    }

    say('\n3. Memory of one mark (MEMORY USAGE)');
    const client = ns.client();
    const setNx = dedup(client, { prefix: 'mem', strategy: { kind: 'set-nx', ttlMs: 86_400_000 } });
    const highWater = dedup(client, { prefix: 'mem', strategy: { kind: 'high-water' } });
    await setNx.onceInRedis({ id: 'order-000042', partition: 'orders' }, []);
    await highWater.onceInRedis({ id: '1700000000042-0', partition: 'orders' }, []);
    const usage = async (key: string): Promise<unknown> => client.call('MEMORY', 'USAGE', `${ns.prefix}${key}`);
    say(
      `   set-nx, per message:       ${String(await usage('mem:seen:orders:order-000042'))} bytes (mem:seen:orders:order-000042, PX 24 h)`,
    );
    say(
      `   high-water, per partition: ${String(await usage('mem:hw:orders'))} bytes (mem:hw:orders), whatever the number of messages`,
    );
    say('\ndone');
  } finally {
    await ns.close();
  }
});
