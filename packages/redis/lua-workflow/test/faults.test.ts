// When the server goes away (POC_STANDARD.md §3): a private server per test, registered for cleanup
// before the body. A failure is surfaced as LuaWorkflowServiceError, not swallowed, and nothing is
// applied; after a restart the emptied script cache is refilled by itself and request ids recorded
// before it still replay (they live with the order, as durable as it is).
import { privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LuaWorkflowServiceError, isLuaWorkflowError, luaWorkflow, orderMachine, workflowKeys } from '../src/index.ts';
import { luaScript } from '../src/scripts.ts';

/** A server of the test's own with AOF on, so a graceful restart keeps the orders. */
async function serverWithClient() {
  const server = await privateRedis({
    config: [
      ['appendonly', 'yes'],
      ['appendfsync', 'always'],
    ],
  });
  onTestFinished(() => server.close());
  const client: Redis = redisClient(server.url);
  client.on('error', () => {}); // errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client, orders: luaWorkflow(client, { name: 'orders', machine: orderMachine }) };
}

describe('when the server goes away (a private server per test)', () => {
  it('rejects with LuaWorkflowServiceError naming the order and the event while Redis is down, and applies nothing', async () => {
    const { server, client, orders } = await serverWithClient();
    await orders.create('o-1');
    await server.stop();

    const err = await orders.transition('o-1', 'pay').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LuaWorkflowServiceError);
    expect(isLuaWorkflowError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^order "o-1": pay failed: /);
    expect((err as Error).cause).toBeInstanceOf(Error);

    await server.start();
    expect(await orders.get('o-1')).toMatchObject({ state: 'created', version: 1 });
    expect(await client.llen(workflowKeys('orders', 'o-1').history)).toBe(1);
  });

  it('after a restart empties the script cache, reloads the script, replays a request applied before it and goes on', async () => {
    const { server, client, orders } = await serverWithClient();
    const script = luaScript('transition-3.lua');
    await orders.create('o-2');
    const paid = await orders.transition('o-2', 'pay', { requestId: 'pay-o-2' });

    await server.restart(); // graceful: the AOF keeps the order, its history and its request ids
    expect(await client.script('EXISTS', script.sha)).toEqual([0]);

    // The caller never heard the answer and retries with the same request id after the restart.
    const again = await orders.transition('o-2', 'pay', { requestId: 'pay-o-2' });
    expect(again).toEqual({ ...paid, replayed: true });
    expect(await client.script('EXISTS', script.sha)).toEqual([1]); // NOSCRIPT → EVAL put it back
    const shipped = await orders.transition('o-2', 'ship', { expectedVersion: 2 });
    expect(shipped).toMatchObject({ to: 'shipped', version: 3, replayed: false });
    expect(await client.llen(workflowKeys('orders', 'o-2').history)).toBe(3);
  });
});
