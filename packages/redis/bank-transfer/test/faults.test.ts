// When Redis dies (a private server per test, registered for cleanup before the body). A failure is
// surfaced as a BankTransferServiceError, and the same transfer sent again after the server returns runs
// once. What survives a SIGKILL is the server's persistence setting: with AOF the balances and the
// idempotency records are back, without it the whole ledger is gone.
import { privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BankTransferServiceError, isBankTransferError, ledger, type Ledger } from '../src/index.ts';
import { idempotentScript } from '../src/idempotency.ts';
import { luaScript } from '../src/scripts.ts';

async function serverWithLedger(config: Array<[string, string]>) {
  const server = await privateRedis({ config });
  onTestFinished(() => server.close());
  const client: Redis = redisClient(server.url);
  client.on('error', () => {}); // connection errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  const l: Ledger = ledger(client, { name: 'faults' });
  await l.open('alice', 100);
  await l.open('bob', 0);
  return { server, client, l };
}

const AOF: Array<[string, string]> = [
  ['appendonly', 'yes'],
  ['appendfsync', 'always'],
];

describe('Redis down, restarted, killed (private server)', () => {
  it('rejects with BankTransferServiceError while Redis is down; the same transfer after it returns runs once', async () => {
    const { server, l } = await serverWithLedger(AOF);
    await server.stop();
    const err = await l.transfer({ key: 'pay', from: 'alice', to: 'bob', amount: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BankTransferServiceError);
    expect(isBankTransferError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^transfer "pay" failed: /);
    expect((err as Error).cause).toBeInstanceOf(Error);

    await server.start();
    const sent = await l.transfer({ key: 'pay', from: 'alice', to: 'bob', amount: 30 });
    expect(sent.replayed).toBe(false); // it had not run: the server was down
    expect((await l.transfer({ key: 'pay', from: 'alice', to: 'bob', amount: 30 })).replayed).toBe(true);
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 70],
        ['bob', 30],
      ]),
    );
  });

  it('keeps acknowledged transfers and their idempotency records across a SIGKILL with appendonly yes, and reloads the script (NOSCRIPT → EVAL)', async () => {
    const { server, client, l } = await serverWithLedger(AOF);
    const first = await l.transfer({ key: 'before-kill', from: 'alice', to: 'bob', amount: 30 });
    const script = idempotentScript(luaScript('transfer-2.lua'));
    expect(await client.script('EXISTS', script.sha)).toEqual([1]);

    await server.kill(); // SIGKILL: no shutdown, Redis writes nothing more
    await server.start();

    expect(await client.script('EXISTS', script.sha)).toEqual([0]); // the script cache did not survive
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 70],
        ['bob', 30],
      ]),
    );
    // The retry of a transfer whose answer was lost in the crash is recognised: it moves nothing.
    expect(await l.transfer({ key: 'before-kill', from: 'alice', to: 'bob', amount: 30 })).toEqual({
      ...first,
      replayed: true,
    });
    expect(await l.balances(['alice', 'bob'])).toEqual(
      new Map([
        ['alice', 70],
        ['bob', 30],
      ]),
    );
    expect(await client.script('EXISTS', script.sha)).toEqual([1]); // loaded again by the NOSCRIPT fallback
  });

  it('loses the whole ledger, balances and idempotency records, to a SIGKILL without persistence', async () => {
    const { server, l } = await serverWithLedger([]);
    await l.transfer({ key: 'before-kill', from: 'alice', to: 'bob', amount: 30 });

    await server.kill();
    await server.start();

    await expect(l.balances(['alice', 'bob'])).rejects.toThrow('account "alice" does not exist');
    const retry = await l
      .transfer({ key: 'before-kill', from: 'alice', to: 'bob', amount: 30 })
      .catch((e: unknown) => e);
    expect(isBankTransferError(retry, 'unknown-account')).toBe(true); // not a replay: the record is gone too
  });
});
