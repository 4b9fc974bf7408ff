// A server process SIGKILLed while it holds a request (POC_STANDARD.md §3): the caller gets the typed
// timeout; the broker still owns the unacked request and hands it to the next server (redelivered); with
// retries the caller re-sends it and gets its answer. Delivery is at-least-once: the handler dedupes by
// request id. And a client whose connection dies fails its pending calls instead of hanging.
import { fileURLToPath } from 'node:url';
import { amqpNamespace, eventually, spawnTsWorker, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RpcTimeoutError, isRpcError, rpcClient, rpcServer, type RpcServer } from '../src/index.ts';

const fixture = fileURLToPath(new URL('./fixtures/holding-server.ts', import.meta.url));

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'rpc_faults' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

/** Starts the holding server process on `queue` and waits until it consumes. */
async function holdingServer(queue: string) {
  const proc = spawnTsWorker(fixture, [queue]);
  onTestFinished(() => proc.kill());
  await proc.waitForLine('ready');
  return proc;
}

/** An in-process server that answers once per request id (a dedupe table) and logs every delivery. */
async function dedupingServer(queue: string) {
  const log: Array<{ requestId: string; redelivered: boolean }> = [];
  const answers = new Map<string, { doubled: number }>();
  const server: RpcServer = await rpcServer<{ n: number }, { doubled: number }>(conn, {
    queue,
    handler: ({ n }, request) => {
      log.push(request);
      const known = answers.get(request.requestId);
      if (known) return known; // a re-send or a redelivery: same answer, no second side effect
      const answer = { doubled: n * 2 };
      answers.set(request.requestId, answer);
      return answer;
    },
  });
  onTestFinished(() => server.stop());
  return { server, log, answers };
}

describe('a server process SIGKILLed while it holds a request', () => {
  it('the caller gets RpcTimeoutError; the broker redelivers the request to the next server and its reply is discarded as late', async () => {
    const queue = ns.name('no_retry');
    const proc = await holdingServer(queue);
    const client = await rpcClient<{ n: number }, { doubled: number }>(conn, { queue, timeoutMs: 500 });
    onTestFinished(() => client.close());

    const call = client.call({ n: 21 }, { requestId: 'req-1' }).catch((e: unknown) => e);
    await proc.waitForLine('took req-1');
    await proc.kill(); // SIGKILL: no reply, no ack; the request goes back to the queue
    const err = await call;
    expect(err).toBeInstanceOf(RpcTimeoutError);
    expect(isRpcError(err, 'timeout') && err.attempts).toBe(1);

    const { log } = await dedupingServer(queue); // another instance comes up
    await eventually(() => client.stats.lateReplies === 1, { what: 'the redelivered request answered, late' });
    expect(log).toEqual([{ requestId: 'req-1', redelivered: true }]);
    expect(client.stats).toMatchObject({ timeouts: 1, lateReplies: 1, unknownReplies: 0, pending: 0 });
  });

  it('with retries: the request is re-sent and served by another instance; both deliveries reach it, the handler dedupes', async () => {
    const queue = ns.name('retry');
    const proc = await holdingServer(queue);
    const client = await rpcClient<{ n: number }, { doubled: number }>(conn, { queue, timeoutMs: 1500, retries: 2 });
    onTestFinished(() => client.close());

    const call = client.call({ n: 21 }, { requestId: 'req-2' });
    await proc.waitForLine('took req-2');
    await proc.kill();
    await eventually(() => client.stats.timeouts >= 1, { what: 'the first attempt timed out' });
    const { log, answers } = await dedupingServer(queue); // the healthy instance starts after the timeout

    expect(await call).toEqual({ doubled: 42 });
    await eventually(() => log.length === 2, { what: 'the redelivered original and the re-send both served' });
    expect(log.map((r) => r.requestId)).toEqual(['req-2', 'req-2']); // at-least-once: twice, same id
    expect(log.filter((r) => r.redelivered)).toHaveLength(1); // the one the killed server held
    expect(answers.size).toBe(1); // one side effect
    await eventually(() => client.stats.lateReplies === 1, { what: "the original's reply discarded as late" });
    expect(client.stats).toMatchObject({ sent: 2, timeouts: 1, unknownReplies: 0, pending: 0 });
  });
});

describe('a client whose connection dies', () => {
  it('fails its pending calls with RpcServiceError instead of leaving them to time out', async () => {
    const queue = ns.name('conn_dies');
    await holdingServer(queue); // takes the request and never answers
    const own = await ns.connect();
    own.on('error', () => {});
    const client = await rpcClient(own, { queue, timeoutMs: 60_000 });
    const call = client.call({ n: 1 }).catch((e: unknown) => e);
    await eventually(() => client.stats.sent === 1);
    await own.close();
    const err = await call;
    expect(isRpcError(err, 'service')).toBe(true);
    expect(client.stats.pending).toBe(0);
  });
});
