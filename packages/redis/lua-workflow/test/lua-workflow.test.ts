// What the README promises, read back from the server: transitions follow the machine (every event in
// every state), an illegal one is rejected with the state and event and writes nothing, each applied one
// records its version and a history entry, and a request id makes a repeated call a replay.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  LuaWorkflowArgumentError,
  TransitionConflictError,
  WorkflowNotFoundError,
  isLuaWorkflowError,
  luaWorkflow,
  orderMachine,
  workflowKeys,
  type OrderDefinition,
  type Workflow,
} from '../src/index.ts';

let ns: RedisNamespace;
let admin: Redis;
let clock: ManualClock;
let orders: Workflow<OrderDefinition>;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_workflow' });
  admin = ns.client();
  clock = new ManualClock();
  orders = luaWorkflow(ns.client(), { name: 'orders', machine: orderMachine, clock });
});
afterAll(() => ns?.close());

/** Everything stored for an order, read with plain commands: the instance hash, its history, its request ids. */
async function stored(id: string) {
  const k = workflowKeys('orders', id);
  return {
    instance: await admin.hgetall(k.instance),
    history: (await admin.lrange(k.history, 0, -1)).map((e) => JSON.parse(e) as Record<string, unknown>),
    requests: await admin.hgetall(k.requests),
  };
}

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );

describe('an order through its life', () => {
  it('records state, version and a history entry per transition, with the time of the caller’s clock', async () => {
    const t0 = clock.now();
    await orders.create('life', { requestId: 'r-create' });
    await clock.advance(60_000);
    await orders.transition('life', 'pay', { requestId: 'r-pay' });
    await clock.advance(60_000);
    const shipped = await orders.transition('life', 'ship', { requestId: 'r-ship', expectedVersion: 2 });

    expect(shipped).toEqual({
      id: 'life',
      event: 'ship',
      from: 'paid',
      to: 'shipped',
      version: 3,
      at: t0 + 120_000,
      requestId: 'r-ship',
      replayed: false,
    });
    const s = await stored('life');
    expect(s.instance).toEqual({ state: 'shipped', version: '3', updatedAt: String(t0 + 120_000) });
    expect(s.history).toEqual([
      { version: 1, event: 'create', from: '', to: 'created', requestId: 'r-create', at: String(t0) },
      { version: 2, event: 'pay', from: 'created', to: 'paid', requestId: 'r-pay', at: String(t0 + 60_000) },
      { version: 3, event: 'ship', from: 'paid', to: 'shipped', requestId: 'r-ship', at: String(t0 + 120_000) },
    ]);
    expect(s.requests).toEqual({ 'r-create': '1', 'r-pay': '2', 'r-ship': '3' });
    // The API reads the same back.
    expect(await orders.get('life')).toEqual({ id: 'life', state: 'shipped', version: 3, updatedAt: t0 + 120_000 });
    expect((await orders.history('life')).map((h) => [h.version, h.event, h.from, h.to])).toEqual([
      [1, 'create', null, 'created'],
      [2, 'pay', 'created', 'paid'],
      [3, 'ship', 'paid', 'shipped'],
    ]);
  });

  it('cancels from created and from paid', async () => {
    await orders.create('c1');
    expect((await orders.transition('c1', 'cancel')).to).toBe('cancelled');
    await orders.create('c2');
    await orders.transition('c2', 'pay');
    expect((await orders.transition('c2', 'cancel')).from).toBe('paid');
    expect((await stored('c2')).instance.state).toBe('cancelled');
  });
});

// Every event in every state, against the script: allowed exactly where the machine (data) says.
const reach: Record<string, Array<'pay' | 'ship' | 'cancel'>> = {
  created: [],
  paid: ['pay'],
  shipped: ['pay', 'ship'],
  cancelled: ['cancel'],
};
const grid = Object.keys(reach).flatMap((state) =>
  orderMachine.events.map((event) => ({ state, event, allowed: orderMachine.can(state, event) })),
);

describe('the machine as data, checked by the script', () => {
  it('allows exactly pay, ship and cancel from created/paid (4 of the 12 state × event pairs)', () => {
    expect(grid.filter((g) => g.allowed).map((g) => `${g.state}:${g.event}`)).toEqual([
      'created:pay',
      'created:cancel',
      'paid:ship',
      'paid:cancel',
    ]);
    expect(orderMachine.finalStates).toEqual(['shipped', 'cancelled']);
  });

  it.each(grid)('$event in state $state: allowed=$allowed', async ({ state, event, allowed }) => {
    const id = `grid-${state}-${event}`;
    await orders.create(id);
    for (const step of reach[state]!) await orders.transition(id, step);
    const before = await stored(id);
    const outcome = await orders.transition(id, event).catch((e: unknown) => e);
    const after = await stored(id);
    if (allowed) {
      expect(outcome).toMatchObject({ from: state, to: orderMachine.transitions[event].to, replayed: false });
      expect(after.instance.state).toBe(orderMachine.transitions[event].to);
      expect(after.history).toHaveLength(before.history.length + 1);
      return;
    }
    expect(outcome).toBeInstanceOf(IllegalTransitionError);
    expect(isLuaWorkflowError(outcome, 'illegal')).toBe(true);
    const err = outcome as IllegalTransitionError;
    expect({ state: err.state, event: err.event, version: err.version }).toEqual({
      state,
      event,
      version: before.history.length,
    });
    expect(err.message).toBe(
      `order "${id}": event "${event}" is not allowed in state "${state}" (version ${before.history.length}; ` +
        `allowed from ${orderMachine.transitions[event].from.map((s) => `"${s}"`).join(', ')})`,
    );
    expect(after).toEqual(before); // nothing written: state, version, history, request ids
  });
});

describe('rejections name what the server found', () => {
  it('rejects an event for an order that does not exist with WorkflowNotFoundError, and creates nothing', async () => {
    const err = await rejection(orders.transition('ghost', 'pay', { expectedVersion: 1 }));
    expect(err).toBeInstanceOf(WorkflowNotFoundError);
    expect((err as Error).message).toBe('order "ghost" does not exist (event "pay")');
    expect(await admin.exists(...Object.values(workflowKeys('orders', 'ghost')))).toBe(0);
  });

  it('rejects a second create as an illegal "create" in the current state', async () => {
    await orders.create('twice');
    await orders.transition('twice', 'pay');
    const err = await rejection(orders.create('twice'));
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect((err as Error).message).toBe(
      'order "twice": event "create" is not allowed in state "paid" (version 2; allowed only before it exists)',
    );
    expect((await stored('twice')).instance.version).toBe('2');
  });

  it('rejects a stale expectedVersion with TransitionConflictError naming the current state, version and the event', async () => {
    await orders.create('stale');
    await orders.transition('stale', 'pay'); // version 2; this caller still believes version 1
    const err = await rejection(orders.transition('stale', 'cancel', { expectedVersion: 1 }));
    expect(err).toBeInstanceOf(TransitionConflictError);
    expect(err).toMatchObject({ state: 'paid', version: 2, event: 'cancel', expectedVersion: 1, code: 'conflict' });
    expect((err as Error).message).toBe(
      'order "stale": event "cancel" expected version 1, but it is at version 2 in state "paid" (changed by another transition)',
    );
    expect((await stored('stale')).instance.state).toBe('paid');
  });
});

describe('a request id makes a repeated call a replay', () => {
  it('answers a repeated request with its first outcome, replayed, and applies it once', async () => {
    await orders.create('retry');
    await orders.transition('retry', 'pay');
    const first = await orders.transition('retry', 'ship', { requestId: 'ship-1', expectedVersion: 2 });
    await clock.advance(1_000);
    // The same request again: version 2 is long gone, and "ship" is illegal in "shipped", yet it is no conflict.
    const again = await orders.transition('retry', 'ship', { requestId: 'ship-1', expectedVersion: 2 });
    expect(again).toEqual({ ...first, replayed: true });
    const s = await stored('retry');
    expect(s.instance.version).toBe('3');
    expect(s.history).toHaveLength(3);
  });

  it('replays a repeated create instead of rejecting it', async () => {
    const first = await orders.create('retry-create', { requestId: 'create-1' });
    const again = await orders.create('retry-create', { requestId: 'create-1' });
    expect(again).toEqual({ ...first, replayed: true });
    expect((await stored('retry-create')).history).toHaveLength(1);
  });

  it('rejects a request id reused for another event, and writes nothing', async () => {
    await orders.create('reuse');
    await orders.transition('reuse', 'pay', { requestId: 'r-1' });
    const err = await rejection(orders.transition('reuse', 'cancel', { requestId: 'r-1' }));
    expect(err).toBeInstanceOf(LuaWorkflowArgumentError);
    expect((err as Error).message).toBe(
      'options.requestId must name one transition: it already produced version 2 of order "reuse" with event "pay", not "cancel" (got "r-1")',
    );
    expect((await stored('reuse')).instance.state).toBe('paid');
  });
});
