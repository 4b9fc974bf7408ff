// Faults that strip a WATCH without telling anyone: a connection that breaks between WATCH and EXEC (the
// client reconnects, and the new connection watches nothing), a reply to EXEC lost on the way back (the
// client re-sends MULTI ... EXEC on a new connection), and a server that is down.
import { faultyLink, privateRedis, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { WatchOutcomeUnknownError, WatchServiceError, checkAndSet, isWatchError } from '../src/index.ts';
import { sharedConnectionModify } from '../src/naive.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'watch_faults' });
  admin = ns.client();
});
afterAll(() => ns?.close());

/** A Redis of the test's own (for CLIENT KILL, stop and start) and a client, closed when the test ends. */
async function serverWithClient() {
  const server = await privateRedis();
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

/** A client of the suite's namespace that reaches Redis through a faultyLink. */
async function clientThroughLink() {
  const link = await faultyLink(new URL(ns.url).host);
  onTestFinished(() => link.close());
  const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
  client.on('error', () => {}); // the reset is the point
  onTestFinished(() => void client.disconnect());
  return { link, client };
}

describe('a connection that breaks between WATCH and EXEC (CLIENT KILL, private server)', () => {
  it('fails with WatchServiceError instead of sending EXEC on a new connection that watches nothing', async () => {
    const { client } = await serverWithClient();
    const cas = checkAndSet(client, { connections: 1 });
    onTestFinished(() => cas.close());
    await client.set('balance', '100');

    const err = await cas
      .update(['balance'], async ({ values }) => {
        await client.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes'); // breaks the attempt's connection
        await client.incrby('balance', 50); // and someone else writes meanwhile
        return { writes: [['set', 'balance', Number(values[0]) - 30]], result: undefined };
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WatchServiceError);
    expect((err as Error).message).toBe(
      'update of "balance": the connection to Redis broke before EXEC; nothing was written',
    );
    expect(await client.get('balance')).toBe('150'); // the other write survived

    // The broken connection was replaced, and the next update works.
    expect(await cas.modify('balance', (v) => String(Number(v) - 30))).toEqual({ result: '120', attempts: 1 });
  });
});

describe('a reply to EXEC lost after Redis ran it (faultyLink)', () => {
  it('checkAndSet reports WatchOutcomeUnknownError and sends nothing again, so a write made meanwhile is kept', async () => {
    const { link, client } = await clientThroughLink();
    const cas = checkAndSet(client, { connections: 1 });
    onTestFinished(() => cas.close());
    await admin.set('counter', '10');

    let lost: Promise<Buffer> | undefined;
    let meanwhile: Promise<unknown> | undefined;
    const err = await cas
      .modify('counter', (value) => {
        lost = link.dropNextReply(); // the next reply is the one to MULTI/SET/EXEC
        meanwhile = lost.then(() => admin.incrby('counter', 5)); // another client, before any reconnect
        return String(Number(value) + 1);
      })
      .catch((e: unknown) => e);
    expect((await lost!).toString()).toBe('+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n'); // Redis did apply it
    await meanwhile;
    expect(err).toBeInstanceOf(WatchOutcomeUnknownError);
    expect(isWatchError(err, 'unknown')).toBe(true);
    expect((err as Error).message).toBe(
      'update of "counter": the connection broke after EXEC was sent; the writes may or may not have been applied',
    );
    expect(await admin.get('counter')).toBe('16'); // ours (11), then the other client's +5
  });

  it('break it: WATCH on the shared client, which ioredis re-sends, reports success and overwrites the write made meanwhile', async () => {
    const { link, client } = await clientThroughLink();
    await admin.set('counter-shared', '10');

    let lost: Promise<Buffer> | undefined;
    let meanwhile: Promise<unknown> | undefined;
    const outcome = await sharedConnectionModify(client, 'counter-shared', (value) => {
      lost = link.dropNextReply();
      meanwhile = lost.then(() => admin.incrby('counter-shared', 5));
      return String(Number(value) + 1);
    });
    expect((await lost!).toString()).toBe('+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n');
    await meanwhile;
    expect(outcome).toEqual({ result: '11', attempts: 1 }); // "committed"
    expect(link.connections).toBe(2); // re-sent on a new connection, which held no WATCH
    expect(await admin.get('counter-shared')).toBe('11'); // the other client's +5 is lost
  });
});

describe('a server that is down (private server)', () => {
  it('rejects with WatchServiceError instead of hanging, and works again once Redis is back', async () => {
    const { server, client } = await serverWithClient();
    const cas = checkAndSet(client, { connections: 2 });
    onTestFinished(() => cas.close());
    expect(await cas.modify('k', () => '1')).toEqual({ result: '1', attempts: 1 });

    await server.stop();
    const err = await cas.modify('k', () => '2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WatchServiceError);
    expect((err as Error).message).toMatch(/^update of "k": /);

    await server.start(); // no persistence: the key is gone
    expect(await cas.modify('k', (v) => `${v ?? 'none'}+3`)).toEqual({ result: 'none+3', attempts: 1 });
    expect(await client.get('k')).toBe('none+3');
    expect(cas.connections.open).toBeLessThanOrEqual(2);
  });
});
