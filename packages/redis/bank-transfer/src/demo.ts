// pnpm --filter poc-redis-bank-transfer demo: the scenario against a real Redis, printing what the
// README's "Expected output" shows.
import { barrier, faultyLink, holdReplies, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { isBankTransferError, ledger, type Ledger, type LedgerOptions, type Transfer } from './index.ts';
import { checkThenActLedger, readModifyWriteLedger } from './naive.ts';

const say = (line = ''): void => console.log(line);
const show = (balances: Map<string, number>): string => [...balances].map(([a, b]) => `${a}=${b}`).join(' ');
const sum = (balances: Map<string, number>): number => [...balances.values()].reduce((a, b) => a + b, 0);
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    (r) => JSON.stringify(r),
    (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`,
  );

type Factory = (redis: Redis, options: LedgerOptions) => Ledger;

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  try {
    say(`Bank transfer demo: redis ${server.version} (${server.provider})`);
    const bank = ledger(ns.client(), { name: 'demo' });
    await bank.open('alice', 100);
    await bank.open('bob', 0);

    say('\n1. One transfer = one Lua script run: check, move, record the outcome under its key');
    say(
      `   transfer t-1 alice -> bob 30: ${await outcome(bank.transfer({ key: 't-1', from: 'alice', to: 'bob', amount: 30 }))}`,
    );
    say(
      `   the same key again:            ${await outcome(bank.transfer({ key: 't-1', from: 'alice', to: 'bob', amount: 30 }))}`,
    );
    say(`   balances: ${show(await bank.balances(['alice', 'bob']))}`);

    say('\n2. Refusals move nothing (and are recorded like successes)');
    say(
      `   t-2 alice -> bob 500: ${await outcome(bank.transfer({ key: 't-2', from: 'alice', to: 'bob', amount: 500 }))}`,
    );
    say(
      `   t-1 with another amount: ${await outcome(bank.transfer({ key: 't-1', from: 'alice', to: 'bob', amount: 31 }))}`,
    );
    say(`   balances: ${show(await bank.balances(['alice', 'bob']))}`);

    say('\n3. A reply lost after Redis ran the script; ioredis re-sends the command');
    const link = await faultyLink(new URL(ns.url).host);
    const viaLink = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    viaLink.on('error', () => {});
    try {
      const remote = ledger(viaLink, { name: 'demo' });
      await remote.balances(['alice']); // connected
      const lost = link.dropNextReply();
      const receipt = outcome(remote.transfer({ key: 't-3', from: 'alice', to: 'bob', amount: 20 }));
      say(`   lost reply of the first run: ${JSON.stringify((await lost).toString())}`);
      say(`   what the caller got:         ${await receipt}`);
      say(`   balances: ${show(await bank.balances(['alice', 'bob']))} (moved once)`);
    } finally {
      viaLink.disconnect();
      await link.close();
    }

    say('\n4. Ten transfers of 100 out of one account at the same moment (every read answered before any write)');
    const payOut = (amount: number): Transfer[] =>
      Array.from({ length: 10 }, (_, i) => ({ key: `p-${i}`, from: 'payer', to: `r${i}`, amount }));
    const atOnce = async (make: Factory, name: string, payer: number, command: string): Promise<string> => {
      const setup = make(ns.client(), { name });
      const accounts = ['payer', ...Array.from({ length: 10 }, (_, i) => `r${i}`)];
      for (const a of accounts) await setup.open(a, a === 'payer' ? payer : 0);
      const gate = barrier(10);
      let open = false;
      const then = async (): Promise<void> => {
        if (open) return;
        await gate();
        open = true;
      };
      const results = await Promise.allSettled(
        payOut(100).map((t) => make(holdReplies(ns.client(), [command], then), { name }).transfer(t)),
      );
      const done = results.filter((r) => r.status === 'fulfilled').length;
      const balances = await setup.balances(accounts);
      return `${done} done, ${10 - done} refused; payer=${balances.get('payer')}, total ${payer} -> ${sum(balances)}`;
    };
    say(`   naive read-modify-write (payer 1000): ${await atOnce(readModifyWriteLedger, 'rmw', 1_000, 'mget')}`);
    say(`   Lua script              (payer 1000): ${await atOnce(ledger, 'rmw-lua', 1_000, 'mget')}`);
    say(`   naive check-then-DECRBY (payer 100):  ${await atOnce(checkThenActLedger, 'cta', 100, 'mget')}`);
    say(`   Lua script              (payer 100):  ${await atOnce(ledger, 'cta-lua', 100, 'mget')}`);

    say('\n5. 10,000 random transfers among 20 accounts, 50 concurrent callers on 10 connections');
    const accounts = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const opening = new Map(accounts.map((a, i) => [a, i % 2 === 0 ? 1_000 : 0]));
    const transfers: Transfer[] = Array.from({ length: 10_000 }, (_, i) => {
      const from = Math.floor(Math.random() * 20);
      const to = (from + 1 + Math.floor(Math.random() * 19)) % 20;
      return { key: `r-${i}`, from: accounts[from]!, to: accounts[to]!, amount: 1 + Math.floor(Math.random() * 300) };
    });
    const clients = Array.from({ length: 10 }, () => ns.client());
    for (const [label, make, name] of [
      ['naive read-modify-write', readModifyWriteLedger, 'random-rmw'],
      ['naive check-then-DECRBY', checkThenActLedger, 'random-cta'],
      ['Lua script             ', ledger, 'random-lua'],
    ] as const) {
      const callers = Array.from({ length: 50 }, (_, i) => make(clients[i % 10]!, { name }));
      for (const [a, b] of opening) await callers[0]!.open(a, b);
      let next = 0;
      let refused = 0;
      let overdrafts = 0;
      await Promise.all(
        callers.map(async (l) => {
          while (next < transfers.length) {
            try {
              if ((await l.transfer(transfers[next++]!)).fromBalance < 0) overdrafts++;
            } catch (e) {
              if (!isBankTransferError(e, 'insufficient-funds')) throw e;
              refused++;
            }
          }
        }),
      );
      const after = await callers[0]!.balances(accounts);
      say(`   ${label}: total ${sum(opening)} -> ${sum(after)}, ${overdrafts} overdrafts, ${refused} refused`);
    }
    say('\ndone');
  } finally {
    await ns.close();
  }
});
