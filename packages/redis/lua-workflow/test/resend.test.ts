// A reply lost after Redis acted: the harness's faultyLink discards the next reply and resets that
// connection, ioredis reconnects and re-sends the command still waiting for an answer, and Redis runs
// it a second time. The script must answer the re-send with the first run's outcome: not applied twice,
// and not a false conflict ("ship" is illegal in "shipped", and version 2 is gone by then).
import { faultyLink, redisClient, redisNamespace, type FaultyLink, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { IllegalTransitionError, luaWorkflow, orderMachine, workflowKeys } from '../src/index.ts';
import { watchWorkflow } from '../src/watch.ts';

const options = { name: 'orders', machine: orderMachine };
let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lw_resend' });
  admin = ns.client();
});
afterAll(() => ns?.close());

/** A client of the namespace that reaches Redis through a faultyLink, the script already loaded. */
async function clientThroughLink(): Promise<{ link: FaultyLink; client: Redis }> {
  const link = await faultyLink(new URL(ns.url).host);
  onTestFinished(() => link.close());
  const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
  client.on('error', () => {}); // the reset is the point; commands report what they lose
  onTestFinished(() => void client.disconnect());
  await luaWorkflow(client, options).create(`warm-up-${link.port}`); // so the lost reply is the script's, not NOSCRIPT
  return { link, client };
}

async function stored(id: string) {
  const k = workflowKeys('orders', id);
  return { instance: await admin.hgetall(k.instance), history: await admin.lrange(k.history, 0, -1) };
}

describe('a lost reply, re-sent by ioredis (faultyLink)', () => {
  it('answers a re-sent transition with its first outcome (replayed), applied once, no false conflict', async () => {
    const { link, client } = await clientThroughLink();
    const orders = luaWorkflow(client, options);
    await orders.create('o');
    await orders.transition('o', 'pay');

    const lost = link.dropNextReply();
    const shipped = await orders.transition('o', 'ship', { expectedVersion: 2 });
    // The first run applied it: its reply said "applied, version 3, not replayed" and was lost.
    expect((await lost).toString()).toMatch(
      /^\*6\r\n\$7\r\napplied\r\n:3\r\n\$4\r\npaid\r\n\$7\r\nshipped\r\n.*:0\r\n$/s,
    );
    expect(link.connections).toBe(2); // the answer came on the new connection, from the second run

    expect(shipped).toMatchObject({ event: 'ship', from: 'paid', to: 'shipped', version: 3, replayed: true });
    const s = await stored('o');
    expect(s.instance).toMatchObject({ state: 'shipped', version: '3' });
    expect(s.history).toHaveLength(3);
  });

  it('answers a re-sent create with the created order, not "create is not allowed in state created"', async () => {
    const { link, client } = await clientThroughLink();
    const lost = link.dropNextReply();
    const created = await luaWorkflow(client, options).create('c');
    expect((await lost).toString()).toMatch(/^\*6\r\n\$7\r\napplied\r\n:1\r\n/);
    expect(created).toMatchObject({ to: 'created', version: 1, replayed: true });
    expect((await stored('c')).history).toHaveLength(1);
  });

  it('keeps a re-sent rejection a rejection, with nothing written by either run', async () => {
    const { link, client } = await clientThroughLink();
    const orders = luaWorkflow(client, options);
    await orders.create('r');
    const lost = link.dropNextReply();
    const err = await orders.transition('r', 'ship').catch((e: unknown) => e);
    expect((await lost).toString()).toBe('*3\r\n$7\r\nillegal\r\n$7\r\ncreated\r\n:1\r\n');
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err).toMatchObject({ state: 'created', event: 'ship', version: 1 });
    expect(await stored('r')).toMatchObject({ instance: { state: 'created', version: '1' } });
    expect((await stored('r')).history).toHaveLength(1);
  });

  it('the WATCH/MULTI variant applies a re-sent MULTI/EXEC a second time: ioredis re-sends it on a new connection, without the WATCH', async () => {
    const { link, client } = await clientThroughLink();
    let lost: Promise<Buffer> | undefined;
    let armed = false;
    // The variant duplicates its client for each connection; arm the drop when it starts its MULTI, so
    // the lost reply is EXEC's (its reads were answered).
    const armingClient = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'duplicate') return Reflect.get(target, property, receiver) as unknown;
        return () =>
          new Proxy(target.duplicate(), {
            get(conn, p, r) {
              if (p === 'multi' && armed) {
                armed = false;
                lost = link.dropNextReply();
              }
              const value = Reflect.get(conn, p, r) as unknown;
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(conn) : value;
            },
          });
      },
    });
    const orders = watchWorkflow(armingClient, options);
    onTestFinished(() => orders.close());
    await orders.create('w');
    await orders.transition('w', 'pay');

    armed = true;
    const shipped = await orders.transition('w', 'ship', { expectedVersion: 2 });
    expect((await lost!).toString()).toBe('+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n:0\r\n:3\r\n:1\r\n');
    expect(shipped).toMatchObject({ to: 'shipped', version: 3, replayed: false });
    const s = await stored('w');
    // Applied twice: the second EXEC ran unconditionally, and the history holds version 3 twice.
    expect(s.history).toHaveLength(4);
    expect(s.history[2]).toBe(s.history[3]);
  });
});
