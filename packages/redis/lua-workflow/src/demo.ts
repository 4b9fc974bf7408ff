// pnpm --filter poc-redis-lua-workflow demo: an order's life, an illegal event, 50 conflicting callers
// against the script and against the naive read-check-write, and a re-sent request, on a real Redis.
import { barrier, holdReplies, redisNamespace, serverFor } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { isLuaWorkflowError, luaWorkflow, orderMachine, type OrderDefinition, type Workflow } from './index.ts';
import { naiveWorkflow } from './naive.ts';

const say = (line = ''): void => console.log(line);
const CALLERS = 50;

runMain(async () => {
  const server = await serverFor('redis');
  const redisNs = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  try {
    say(`Lua workflow demo: redis ${server.version} (${server.provider})`);
    const clock = new ManualClock(); // a minute per step, so the recorded times read well
    const orders = luaWorkflow(redisNs.client(), { name: 'orders', machine: orderMachine, clock });
    say('machine (data, sent to the script with each event):');
    for (const [event, row] of Object.entries(orderMachine.transitions))
      say(`  ${event.padEnd(6)} ${row.from.join(' | ')} -> ${row.to}`);

    say();
    say('1. one order, step by step');
    for (const step of ['create', 'pay', 'ship'] as const) {
      const r = step === 'create' ? await orders.create('o-1') : await orders.transition('o-1', step);
      say(`  ${step.padEnd(6)} -> ${r.to} (version ${r.version})`);
      await clock.advance(60_000);
    }

    say();
    say('2. an illegal event is rejected, nothing written');
    const illegal = await orders.transition('o-1', 'cancel').catch((e: unknown) => e);
    if (!isLuaWorkflowError(illegal, 'illegal')) throw illegal;
    say(`  ${illegal.name}: ${illegal.message}`);
    say(`  fields: state=${illegal.state} event=${illegal.event} version=${illegal.version}`);

    say();
    say(
      `3. ${CALLERS} callers at once on one paid order (version 2): half "ship", half "cancel", each expecting version 2`,
    );
    const clients = Array.from({ length: CALLERS }, () => redisNs.client());
    await race('script', (i) => luaWorkflow(clients[i]!, { name: 'orders', machine: orderMachine }), 'o-2');
    // Every caller's read is answered before any caller writes, as happens under load.
    const together = barrier(CALLERS);
    await race(
      'naive ',
      () => naiveWorkflow(holdReplies(clients[0]!, ['hmget'], together), { name: 'orders', machine: orderMachine }),
      'o-3',
    );

    say();
    say('4. the same request sent twice (a retry, or ioredis re-sending after a lost reply)');
    await orders.create('o-4');
    await orders.transition('o-4', 'pay');
    const first = await orders.transition('o-4', 'ship', { requestId: 'req-42', expectedVersion: 2 });
    const again = await orders.transition('o-4', 'ship', { requestId: 'req-42', expectedVersion: 2 });
    say(`  first:  ${first.to} version ${first.version} replayed=${first.replayed}`);
    say(`  again:  ${again.to} version ${again.version} replayed=${again.replayed} (no conflict, not applied twice)`);

    say();
    say('5. history of o-1, as stored with each transition');
    for (const h of await orders.history('o-1'))
      say(`  v${h.version} ${new Date(h.at).toISOString()} ${h.event.padEnd(6)} ${h.from ?? '-'} -> ${h.to}`);

    async function race(label: string, storeFor: (caller: number) => Workflow<OrderDefinition>, id: string) {
      await orders.create(id);
      await orders.transition(id, 'pay');
      const outcomes = await Promise.allSettled(
        clients.map((_, i) => storeFor(i).transition(id, i % 2 === 0 ? 'ship' : 'cancel', { expectedVersion: 2 })),
      );
      const applied = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.event] : []));
      const conflicts = outcomes.filter((o) => o.status === 'rejected' && isLuaWorkflowError(o.reason, 'conflict'));
      const byEvent = ['ship', 'cancel'].map((e) => `${applied.filter((a) => a === e).length} ${e}`).join(', ');
      const now = await orders.get(id);
      say(
        `  ${label}: ${applied.length} told "applied" (${byEvent}), ${conflicts.length} TransitionConflictError; ` +
          `stored: ${now?.state} at version ${now?.version}, ${(await orders.history(id)).length} history entries`,
      );
    }
  } finally {
    await redisNs.close();
  }
});
