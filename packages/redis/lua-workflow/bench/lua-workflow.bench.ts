// pnpm --filter poc-redis-lua-workflow bench: this POC's own claim (the roadmap gives #19 none), that
// validating a transition in one Lua script serves more transitions per second than the same validation
// with WATCH/MULTI/EXEC, and stays correct where the naive read-check-write does not. Side by side in one
// process, on the shared Redis (no persistence: what is compared is round trips and retries, not fsync):
//   1. own orders (compareLoad): each of 20 callers drives orders of its own through create → pay →
//      ship, one transition per operation, no contention; the keys of finished orders are deleted
//      between runs, untimed.
//   2. conflict (compareRounds): per sample, 20 fresh paid orders (set up untimed), then for each order
//      50 callers at once send "ship" or "cancel" expecting version 2; timed until all 1,000 answers
//      (1 applied per order, 49 typed conflicts) are in. WATCH's losers retry once after a failed EXEC
//      and then see the conflict; the script's losers see it at once. The naive version runs the same
//      load, and the facts count how many callers it told "applied" per order.
// Writes bench/results.json (never edit it by hand); the README's "Measured" section is rendered from it.
// Benches run one at a time: this one waits for any bench of the repo already running.
import { benchProfile, benchReport, compareLoad, compareRounds, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import {
  isLuaWorkflowError,
  luaWorkflow,
  orderMachine,
  workflowKeys,
  type OrderDefinition,
  type Workflow,
} from '../src/index.ts';
import { naiveWorkflow } from '../src/naive.ts';
import { WATCH_MAX_ATTEMPTS, watchWorkflow } from '../src/watch.ts';

const short = benchProfile() === 'short';
const CONCURRENCY = 20;
const DURATION_MS = 1_000;
const ROUNDS = 6;
const CALLERS = 50;
const ORDERS_PER_SAMPLE = short ? 4 : 20;
const NAME = 'orders';
const options = { name: NAME, machine: orderMachine };
type Orders = Workflow<OrderDefinition>;

runMain(async () => {
  const redisNs = await redisNamespace({ name: 'lua_workflow_bench' }); // a key prefix of its own
  const watchStores: Array<{ close(): Promise<void> }> = [];
  try {
    const report = benchReport({
      parameters: {
        redis:
          "the harness's shared server, no persistence (appendonly no, save ''): what differs is round trips and retries, not fsync",
        ownOrders: `${CONCURRENCY} callers, each its own orders (create, pay, ship: one transition per operation), ${DURATION_MS} ms per variant per round, 500 ms warm-up`,
        conflict: `${ORDERS_PER_SAMPLE} paid orders per sample, ${CALLERS} callers per order at once (half ship, half cancel, expectedVersion 2), timed to the last answer`,
        connections: `one per caller on every side (${CONCURRENCY}, then ${CALLERS}); WATCH opens its own by duplicate(), one per transition in flight`,
        rounds: ROUNDS,
        watchMaxAttempts: WATCH_MAX_ATTEMPTS,
      },
      services: ['redis'],
    });
    const admin = redisNs.client();
    const setup = luaWorkflow(admin, options);
    const clients = Array.from({ length: CALLERS }, () => redisNs.client());

    // --- 1. own orders, no contention ---------------------------------------------------------------
    const watchOwn = watchWorkflow(clients[0]!, options);
    watchStores.push(watchOwn);
    const luaStores = clients.map((c) => luaWorkflow(c, options));
    const sides: Record<string, (worker: number) => Orders> = {
      lua: (worker) => luaStores[worker]!,
      watch: () => watchOwn,
    };
    const finished: string[] = [];
    const cursor = new Map<string, { id: string; step: number }>();
    let sequence = 0;
    /** One transition of the worker's current order: create, pay, ship, then a new order. */
    const step = async (side: string, worker: number): Promise<void> => {
      const key = `${side}/${worker}`;
      let at = cursor.get(key);
      if (!at || at.step === 3) {
        if (at) finished.push(at.id);
        at = { id: `${side}-${worker}-${sequence++}`, step: 0 };
        cursor.set(key, at);
      }
      const store = sides[side]!(worker);
      if (at.step === 0) await store.create(at.id);
      else await store.transition(at.id, at.step === 1 ? 'pay' : 'ship', { expectedVersion: at.step });
      at.step++;
    };
    const own = await compareLoad({
      id: 'own-orders',
      title: `Transitions/s, ${CONCURRENCY} callers each on orders of its own (create, pay, ship), no contention`,
      variants: { watch: (w) => step('watch', w), lua: (w) => step('lua', w) },
      baseline: 'watch',
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      beforeEach: async () => {
        // Fresh state: drop finished orders (untimed) so no run works on a fuller keyspace than another.
        const ids = finished.splice(0);
        for (let i = 0; i < ids.length; i += 500)
          await admin.unlink(...ids.slice(i, i + 500).flatMap((id) => Object.values(workflowKeys(NAME, id))));
      },
    });
    report.add(own);

    // --- 2. 50 callers racing per order -----------------------------------------------------------------
    const watchConflict = watchWorkflow(admin, options);
    watchStores.push(watchConflict);
    const naiveStores = clients.map((c) => naiveWorkflow(c, options));
    const racers: Record<string, (caller: number) => Orders> = {
      watch: () => watchConflict,
      lua: (caller) => luaStores[caller]!,
      naive: (caller) => naiveStores[caller]!,
    };
    const tally = new Map(Object.keys(racers).map((side) => [side, { orders: 0, applied: 0, unexpected: 0 }]));
    let batch = 0;
    const conflictSample = (side: string) => async () => {
      const ids = Array.from({ length: ORDERS_PER_SAMPLE }, (_, i) => `race-${side}-${batch}-${i}`);
      batch++;
      for (const id of ids) {
        await setup.create(id);
        await setup.transition(id, 'pay');
      }
      const t = tally.get(side)!;
      const t0 = performance.now();
      for (const id of ids) {
        const outcomes = await Promise.allSettled(
          Array.from({ length: CALLERS }, (_, caller) =>
            racers[side]!(caller).transition(id, caller % 2 === 0 ? 'ship' : 'cancel', { expectedVersion: 2 }),
          ),
        );
        t.orders++;
        for (const o of outcomes) {
          if (o.status === 'fulfilled') t.applied++;
          else if (!isLuaWorkflowError(o.reason, 'conflict')) t.unexpected++;
        }
      }
      const seconds = (performance.now() - t0) / 1_000;
      await admin.unlink(...ids.flatMap((id) => Object.values(workflowKeys(NAME, id))));
      return { ops: ORDERS_PER_SAMPLE * CALLERS, seconds };
    };
    // Warm-up: every side once, untimed (the WATCH pool opens its connections here).
    for (const side of Object.keys(racers)) await conflictSample(side)();
    for (const t of tally.values()) Object.assign(t, { orders: 0, applied: 0, unexpected: 0 });
    const conflict = await compareRounds({
      id: 'conflict',
      title: `Answers/s, ${CALLERS} callers at once per paid order, half "ship" and half "cancel" (expectedVersion 2)`,
      variants: { watch: conflictSample('watch'), lua: conflictSample('lua'), naive: conflictSample('naive') },
      baseline: 'watch',
      rounds: ROUNDS,
      kind: 'load',
      concurrency: CALLERS,
      unit: 'answers/s',
    });
    report.add(conflict);

    for (const [side, t] of tally) {
      report.add({ id: `orders-${side}`, title: `Raced orders, ${side}`, value: t.orders });
      report.add({
        id: `extra-applied-${side}`,
        title: `Callers told "applied" beyond one per order, ${side}`,
        value: t.applied - t.orders,
      });
      report.add({
        id: `unexpected-${side}`,
        title: `Answers other than applied or conflict, ${side}`,
        value: t.unexpected,
      });
    }
    const lua = tally.get('lua')!;
    const watch = tally.get('watch')!;
    if (lua.applied !== lua.orders || watch.applied !== watch.orders || lua.unexpected + watch.unexpected > 0)
      throw new Error('a correct variant applied other than exactly one transition per raced order: see the facts');

    await report.finish(
      "This POC's own claim: Lua ÷ WATCH/MULTI transitions/s = {ratio:own-orders/lua} on uncontended orders, " +
        'and {ratio:conflict/lua} with 50 callers racing ship vs cancel per order. Of those races, the script and WATCH ' +
        'told one caller per order "applied" ({fact:extra-applied-lua} and {fact:extra-applied-watch} extra); ' +
        'the naive read-check-write told {fact:extra-applied-naive} extra callers over {fact:orders-naive} orders.',
    );
  } finally {
    for (const s of watchStores) await s.close();
    await redisNs.close();
  }
});
