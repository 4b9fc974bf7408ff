// Faults: a writer that dies mid-transaction, a server that is down, a reply lost on the way back.
import { fileURLToPath } from 'node:url';
import { eventually, faultyLink, privateRedis, redisClient, redisNamespace, spawnTsWorker } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import { TransactionsServiceError, accounts, isTransactionsError, multiExec } from '../src/index.ts';

const halfMove = fileURLToPath(new URL('./fixtures/half-move.ts', import.meta.url));

/** A Redis of the test's own (kills, restarts, server-wide INFO) and a client, closed when the test ends. */
async function serverWithClient() {
  const server = await privateRedis();
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

const connectedClients = async (redis: ReturnType<typeof redisClient>): Promise<number> =>
  Number(/^connected_clients:(\d+)/m.exec(await redis.info('clients'))?.[1]);

describe('a writer killed in the middle of a move (SIGKILL, private server)', () => {
  it.each([
    ['multi', 'leaves nothing applied: Redis drops the queued commands with the connection', ['100', '0']],
    ['unbatched', 'leaves the first half applied: 10 units are gone', ['90', '0']],
  ])('%s: %s', async (mode, _what, after) => {
    const { server, client } = await serverWithClient();
    await client.mset('a', 100, 'b', 0);
    const worker = spawnTsWorker(halfMove, [server.url, mode]);
    onTestFinished(() => worker.kill());
    await worker.waitForLine('half done');
    expect(await connectedClients(client)).toBe(2);

    await worker.kill();
    // Wait until the server has seen the connection close (and so dropped its transaction), then read.
    await eventually(async () => (await connectedClients(client)) === 1, { what: 'the killed writer to disconnect' });
    expect(await client.mget('a', 'b')).toEqual(after);
  });
});

describe('a server that is down (private server)', () => {
  it('rejects with TransactionsServiceError instead of hanging, and works again once Redis is back', async () => {
    const { server, client } = await serverWithClient();
    const tx = multiExec(client);
    await server.stop();
    const err = await tx.exec([['set', 'k', 1]]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionsServiceError);
    expect(isTransactionsError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^(MULTI\/EXEC of 1 command \(SET\)|MULTI) failed: /);

    await server.start();
    expect(await tx.exec([['set', 'k', 1]])).toEqual(['OK']);
    expect(await client.get('k')).toBe('1');
  });
});

describe('a reply lost after Redis ran EXEC (faultyLink)', () => {
  it('is re-sent whole by ioredis and Redis runs the move twice: MULTI/EXEC is atomic, not idempotent', async () => {
    const ns = await redisNamespace({ name: 'transactions_resend' });
    onTestFinished(() => ns.close());
    const link = await faultyLink(new URL(ns.url).host);
    onTestFinished(() => link.close());
    const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    client.on('error', () => {}); // the reset is the point
    onTestFinished(() => void client.disconnect());
    const view = accounts(ns.client(), { name: 'resend' });
    await view.open({ a: 100, b: 0 });
    await client.ping(); // connected before the reply is dropped

    const lost = link.dropNextReply();
    await accounts(client, { name: 'resend' }).move('a', 'b', 10);
    expect((await lost).toString()).toBe('+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:90\r\n:10\r\n'); // the first run
    expect(link.connections).toBe(2); // ioredis reconnected and sent MULTI, DECRBY, INCRBY, EXEC again
    expect(await view.balances(['a', 'b'])).toEqual([80, 20]); // one move asked for, two applied
  });
});
