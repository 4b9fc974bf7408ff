// Conflicting transitions at once: 50 callers on separate connections, half "ship" and half "cancel",
// on one paid order, round after round. The script (and the WATCH/MULTI variant, the bench's baseline)
// must apply exactly one and reject the 49 others with a typed error naming the state that won; the naive
// read-check-write tells several callers "applied". A barrier at the naive version's read makes its race
// certain: every caller's read is answered before any caller writes.
import { barrier, holdReplies, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  TransitionConflictError,
  luaWorkflow,
  orderMachine,
  workflowKeys,
  type OrderDefinition,
  type Workflow,
} from '../src/index.ts';
import { naiveWorkflow } from '../src/naive.ts';
import { watchWorkflow } from '../src/watch.ts';

const CALLERS = 50;
const ROUNDS = 20;
const options = { name: 'orders', machine: orderMachine };

let ns: RedisNamespace;
let admin: Redis;
let setup: Workflow<OrderDefinition>;
let clients: Redis[];
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lw_contention' });
  admin = ns.client();
  setup = luaWorkflow(admin, options);
  clients = Array.from({ length: CALLERS }, () => ns.client());
});
afterAll(() => ns?.close());

const eventOf = (caller: number) => (caller % 2 === 0 ? 'ship' : 'cancel') as 'ship' | 'cancel';

/** A fresh paid order (version 2), then every caller sends its event at once; returns what each was told. */
async function race(
  id: string,
  storeFor: (caller: number) => Workflow<OrderDefinition>,
  expectedVersion: number | undefined,
): Promise<Array<PromiseSettledResult<{ event: string; to: string; requestId: string }>>> {
  await setup.create(id);
  await setup.transition(id, 'pay');
  const go = barrier(CALLERS); // all callers reach the send together
  return Promise.allSettled(
    Array.from({ length: CALLERS }, async (_, caller) => {
      await go();
      return storeFor(caller).transition(id, eventOf(caller), { expectedVersion });
    }),
  );
}

async function stored(id: string) {
  const k = workflowKeys('orders', id);
  return { instance: await admin.hgetall(k.instance), history: await admin.lrange(k.history, 0, -1) };
}

const variants: Array<
  [string, () => { storeFor: (caller: number) => Workflow<OrderDefinition>; close(): Promise<void> }]
> = [
  [
    'the Lua script',
    () => {
      const stores = clients.map((c) => luaWorkflow(c, options));
      return { storeFor: (caller) => stores[caller]!, close: async () => {} };
    },
  ],
  [
    'the WATCH/MULTI variant',
    () => {
      const store = watchWorkflow(admin, options); // its own connection per transition in flight
      return { storeFor: () => store, close: () => store.close() };
    },
  ],
];

describe.each(variants)('%s under 50 conflicting callers', (label, make) => {
  it(`applies exactly one of "ship" / "cancel" per order and rejects 49 with TransitionConflictError, ${ROUNDS} rounds`, async () => {
    const { storeFor, close } = make();
    try {
      const winners: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const id = `${label}-conflict-${round}`;
        const outcomes = await race(id, storeFor, 2);
        const applied = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        expect(applied).toHaveLength(1);
        const won = applied[0]!;
        winners.push(won.event);
        outcomes.forEach((o, caller) => {
          if (o.status === 'fulfilled') return;
          expect(o.reason).toBeInstanceOf(TransitionConflictError);
          // Each loser hears the state that won, the version it is at now, and its own event.
          expect(o.reason).toMatchObject({ state: won.to, version: 3, event: eventOf(caller), expectedVersion: 2 });
        });
        const s = await stored(id);
        expect(s.instance.state).toBe(won.to);
        expect(s.instance.version).toBe('3');
        expect(s.history).toHaveLength(3);
        expect(JSON.parse(s.history[2]!)).toMatchObject({ event: won.event, requestId: won.requestId });
      }
      expect(winners).toHaveLength(ROUNDS);
    } finally {
      await close();
    }
  });

  it('without expectedVersion, rejects the 49 others as IllegalTransitionError from the state that won', async () => {
    const { storeFor, close } = make();
    try {
      for (let round = 0; round < 5; round++) {
        const id = `${label}-illegal-${round}`;
        const outcomes = await race(id, storeFor, undefined);
        const applied = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        expect(applied).toHaveLength(1);
        outcomes.forEach((o, caller) => {
          if (o.status === 'fulfilled') return;
          expect(o.reason).toBeInstanceOf(IllegalTransitionError);
          expect(o.reason).toMatchObject({ state: applied[0]!.to, event: eventOf(caller), version: 3 });
        });
        expect((await stored(id)).history).toHaveLength(3);
      }
    } finally {
      await close();
    }
  });
});

describe('break it: the naive read-check-write', () => {
  it('tells all 50 callers "applied" when every read is answered before any write; the script, under the same load, tells 1', async () => {
    // One shared client for both, whose replies to the read (HMGET for naive, the script call for the
    // pattern) reach the callers only once all 50 have theirs.
    const held = (): Redis => holdReplies(ns.client(), ['hmget', 'evalsha'], barrier(CALLERS));
    const naiveClient = held();
    const naive = naiveWorkflow(naiveClient, options);
    const naiveOutcomes = await race('naive', () => naive, 2);
    const naiveApplied = naiveOutcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const s = await stored('naive');
    expect(naiveApplied).toHaveLength(CALLERS); // all 50 were told their event was applied ...
    expect(s.history).toHaveLength(2 + CALLERS); // ... and 50 history entries claim version 3
    expect(s.instance.version).toBe('3');
    // Half of the callers were told a state the order is not in.
    expect(naiveApplied.filter((a) => a.to !== s.instance.state)).toHaveLength(CALLERS / 2);

    const patternClient = held();
    const pattern = luaWorkflow(patternClient, options);
    const outcomes = await race('pattern', () => pattern, 2);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof TransitionConflictError)).toHaveLength(
      CALLERS - 1,
    );
    expect((await stored('pattern')).history).toHaveLength(3);
  });
});
