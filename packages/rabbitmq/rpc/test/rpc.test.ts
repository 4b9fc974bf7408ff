// Behaviour against the real broker (POC_STANDARD.md §3): replies routed by correlation id under 200
// concurrent calls on one channel, timeouts with late replies discarded, remote errors, and the "break it"
// case: a client that matches replies by order hands a caller someone else's answer. No sleeps as
// synchronisation (eventually() waits for the real condition); no timing thresholds (those are the bench's).
import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  RpcRemoteError,
  RpcTimeoutError,
  isRpcError,
  rpcClient,
  rpcServer,
  type RpcClient,
  type RpcServerOptions,
} from '../src/index.ts';
import { inOrderClient, queuePerCallClient } from '../src/naive.ts';

interface Req {
  n: number;
}
interface Res {
  n: number;
  by: string;
}

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'rpc' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

async function server(queue: string, by: string, options: Partial<RpcServerOptions<Req, Res>> = {}) {
  const s = await rpcServer<Req, Res>(conn, { queue, handler: ({ n }) => ({ n, by }), ...options });
  onTestFinished(() => s.stop());
  return s;
}

async function queueDepth(queue: string): Promise<number> {
  const ch = await conn.createChannel();
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await ch.close();
  }
}

/** Calls with n = 0..count-1 at once; returns how many callers got a reply that was not theirs. */
async function misdelivered(client: RpcClient<Req, Res>, count: number): Promise<number> {
  const replies = await Promise.all(Array.from({ length: count }, (_, n) => client.call({ n })));
  return replies.filter((r, n) => r.n !== n).length;
}

describe('rpc over direct reply-to', () => {
  it('routes 200 concurrent calls on one channel to their callers by correlation id (two servers, out of order)', async () => {
    const queue = ns.name('concurrent');
    const seen: string[] = [];
    // Handlers finish in a scrambled order: replies come back in a different order from the requests.
    const handler = async ({ n }: Req, r: { requestId: string }): Promise<Res> => {
      seen.push(r.requestId);
      for (let i = 0; i < (n * 7) % 13; i++) await new Promise((res) => setImmediate(res));
      return { n, by: n % 2 ? 'odd' : 'even' };
    };
    const a = await server(queue, 'a', { handler, prefetch: 50 });
    const b = await server(queue, 'b', { handler, prefetch: 50 });
    const client = await rpcClient<Req, Res>(conn, { queue });
    onTestFinished(() => client.close());

    expect(await misdelivered(client, 200)).toBe(0);
    expect(a.served + b.served).toBe(200); // read back from the servers: each request served once
    expect(new Set(seen).size).toBe(200);
    expect(client.stats).toMatchObject({ sent: 200, lateReplies: 0, unknownReplies: 0, timeouts: 0, pending: 0 });
    expect(await queueDepth(queue)).toBe(0);
  });

  it('times out with RpcTimeoutError; the late reply is discarded and counted, never given to the next caller', async () => {
    const queue = ns.name('timeout');
    const release = new Map<number, () => void>();
    await server(queue, 'held', {
      handler: ({ n }) => new Promise<Res>((resolve) => release.set(n, () => resolve({ n, by: 'held' }))),
    });
    const client = await rpcClient<Req, Res>(conn, { queue, timeoutMs: 60_000 });
    onTestFinished(() => client.close());

    const first = await client.call({ n: 1 }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RpcTimeoutError);
    expect(isRpcError(first, 'timeout') && first.message).toMatch(
      /^no reply to request .+ within 300 ms on 1 attempt$/,
    );

    const second = client.call({ n: 2 }); // waiting when the late reply to n = 1 arrives
    await eventually(() => release.has(2));
    release.get(1)!();
    await eventually(() => client.stats.lateReplies === 1, { what: 'the late reply counted' });
    expect(client.stats.pending).toBe(1); // the second caller is still waiting: it did not take reply 1
    release.get(2)!();
    expect(await second).toEqual({ n: 2, by: 'held' });
    expect(client.stats).toMatchObject({ timeouts: 1, lateReplies: 1, unknownReplies: 0 });
  });

  it("turns a handler's exception into RpcRemoteError at the caller (and acks the request)", async () => {
    const queue = ns.name('remote');
    await server(queue, 'x', {
      handler: () => {
        throw new Error('n must be even');
      },
    });
    const client = await rpcClient<Req, Res>(conn, { queue });
    onTestFinished(() => client.close());
    const err = await client.call({ n: 3 }, { requestId: 'r3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcRemoteError);
    expect(err).toMatchObject({ requestId: 'r3', remoteMessage: 'n must be even' });
    expect(await queueDepth(queue)).toBe(0);
  });

  it('an aborted call rejects with the reason; its reply then counts as late', async () => {
    const queue = ns.name('abort');
    let release: (() => void) | undefined;
    await server(queue, 'x', { handler: ({ n }) => new Promise<Res>((r) => (release = () => r({ n, by: 'x' }))) });
    const client = await rpcClient<Req, Res>(conn, { queue });
    onTestFinished(() => client.close());
    const controller = new AbortController();
    const call = client.call({ n: 1 }, { signal: controller.signal }).catch((e: unknown) => e);
    await eventually(() => release !== undefined, { what: 'the server holding the request' });
    controller.abort(new Error('user left'));
    expect(await call).toMatchObject({ message: 'user left' });
    expect(client.stats.pending).toBe(0);
    release!();
    await eventually(() => client.stats.lateReplies === 1);
  });

  it('the queue-per-call client is correct too (the bench shows what it costs)', async () => {
    const queue = ns.name('per_call');
    await server(queue, 'a', { prefetch: 50 });
    const client = await queuePerCallClient<Req, Res>(conn, { queue });
    onTestFinished(() => client.close());
    expect(await misdelivered(client, 50)).toBe(0);
  });

  it('break it: matching replies by order hands callers each other’s answers when the server answers out of order', async () => {
    // Forced interleaving: the server holds request 0 until it has answered request 1.
    const run = async (label: string, make: typeof rpcClient<Req, Res>) => {
      const queue = ns.name(`order_${label}`);
      const s = await server(queue, label, {
        prefetch: 2,
        handler: async ({ n }) => {
          if (n === 0) await eventually(() => s.served >= 1, { what: 'request 1 answered first' });
          return { n, by: label };
        },
      });
      const client = await make(conn, { queue });
      onTestFinished(() => client.close());
      return misdelivered(client, 2);
    };
    expect(await run('naive', inOrderClient)).toBe(2); // caller 0 got answer 1 and caller 1 got answer 0
    expect(await run('pattern', rpcClient)).toBe(0);
  });
});
