// A reply lost after Redis acted: the harness's faultyLink discards the next reply and resets that
// connection, ioredis reconnects and re-sends the command still waiting for its answer, and Redis runs
// the script a second time. The idempotency record turns that second run into a replay; the same
// transfer script run without its record moves the money twice.
import { faultyLink, redisClient, redisNamespace, type FaultyLink, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ledger, ledgerKeys, type Ledger } from '../src/index.ts';
import { luaScript, runScript } from '../src/scripts.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'bank_transfer_resend' });
  admin = ns.client();
});
afterAll(() => ns?.close());

/** A client of the namespace that reaches Redis through a faultyLink. */
async function clientThroughLink(): Promise<{ link: FaultyLink; client: Redis }> {
  const link = await faultyLink(new URL(ns.url).host);
  onTestFinished(() => link.close());
  const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
  client.on('error', () => {}); // the reset is the point; commands report what they lose
  onTestFinished(() => void client.disconnect());
  return { link, client };
}

/** alice = 100, bob = 0 in ledger `name`, opened over the admin connection. */
async function aliceAndBob(name: string): Promise<Ledger> {
  const l = ledger(admin, { name });
  await l.open('alice', 100);
  await l.open('bob', 0);
  return l;
}

describe('a lost reply, re-sent by ioredis (faultyLink)', () => {
  it('answers a re-sent transfer with the first run’s receipt and moves the money once', async () => {
    const { link, client } = await clientThroughLink();
    const setup = await aliceAndBob('resent');
    await ledger(client, { name: 'resent' }).transfer({ key: 'warm-up', from: 'alice', to: 'bob', amount: 1 }); // script cached: the lost reply is its answer, not NOSCRIPT

    const lost = link.dropNextReply();
    const receipt = await ledger(client, { name: 'resent' }).transfer({
      key: 'pay',
      from: 'alice',
      to: 'bob',
      amount: 30,
    });
    // The first run moved the money and said so; that answer never reached the client.
    expect((await lost).toString()).toBe('*2\r\n$5\r\nfirst\r\n$10\r\ndone 69 31\r\n');
    expect(link.connections).toBe(2); // the answer came on the new connection, from the re-sent command
    expect(receipt).toMatchObject({ fromBalance: 69, toBalance: 31, replayed: true });
    expect(await setup.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 69],
        ['bob', 31],
      ]),
    );
    expect(await admin.hget(ledgerKeys('resent').record('pay'), 'outcome')).toBe('done 69 31');
  });

  it('answers a re-sent refusal with the same refusal (the record keeps refusals too)', async () => {
    const { link, client } = await clientThroughLink();
    const setup = await aliceAndBob('resent-refusal');
    await ledger(client, { name: 'resent-refusal' }).transfer({ key: 'warm-up', from: 'alice', to: 'bob', amount: 1 });

    const lost = link.dropNextReply();
    const err = await ledger(client, { name: 'resent-refusal' })
      .transfer({ key: 'big', from: 'alice', to: 'bob', amount: 500 })
      .catch((e: unknown) => e);
    expect((await lost).toString()).toContain('insufficient-funds 99');
    expect(err).toMatchObject({ code: 'insufficient-funds', balance: 99, replayed: true });
    expect(await setup.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 99],
        ['bob', 1],
      ]),
    );
  });

  it('for contrast: the same transfer script without its idempotency record moves the money twice', async () => {
    const { link, client } = await clientThroughLink();
    const setup = await aliceAndBob('unrecorded');
    const keys = ledgerKeys('unrecorded');
    const bare = luaScript('transfer-2.lua');
    const run = (): Promise<unknown> => runScript(client, bare, [keys.account('alice'), keys.account('bob')], [30]);
    await client.script('LOAD', bare.source);

    const lost = link.dropNextReply();
    const answer = await run();
    expect((await lost).toString()).toBe('$10\r\ndone 70 30\r\n'); // the first run
    expect(answer).toBe('done 40 60'); // the re-sent run: a second transfer
    expect(await setup.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 40],
        ['bob', 60],
      ]),
    );
  });
});
