// Break it: the naive ledgers (round trips from the client) against the script, under the same load.
// The race is made certain, not hoped for: every caller's read is answered before any caller writes
// (holdFirstReplies on a real server), so each naive run fails by an exact, predictable amount.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBankTransferError, ledger, type Ledger, type LedgerOptions, type Transfer } from '../src/index.ts';
import { checkThenActLedger, readModifyWriteLedger } from '../src/naive.ts';
import { holdFirstReplies, sum } from './helpers.ts';

let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'bank_transfer_break' });
});
afterAll(() => ns?.close());

const CALLERS = 10;
type Factory = (redis: ReturnType<RedisNamespace['client']>, options: LedgerOptions) => Ledger;

/** Runs `transfers` at once, each caller on its own connection whose first `command` reply waits for all the others. */
async function atOnce(
  make: Factory,
  name: string,
  opening: Record<string, number>,
  transfers: Transfer[],
  command: string,
): Promise<{ balances: Map<string, number>; done: number; refused: number }> {
  const setup = make(ns.client(), { name });
  for (const [account, balance] of Object.entries(opening)) await setup.open(account, balance);
  const held = holdFirstReplies(command, transfers.length);
  const results = await Promise.allSettled(transfers.map((t) => make(held(ns.client()), { name }).transfer(t)));
  const refused = results.filter((r) => r.status === 'rejected' && isBankTransferError(r.reason, 'insufficient-funds'));
  const failed = results.filter((r) => r.status === 'rejected' && !refused.includes(r));
  expect(failed).toEqual([]);
  const moved = results.filter((r) => r.status === 'fulfilled' && !r.value.replayed).length;
  return { balances: await setup.balances(Object.keys(opening)), done: moved, refused: refused.length };
}

const recipients = Array.from({ length: CALLERS }, (_, i) => `r${i}`);
const opening = (payer: number): Record<string, number> => ({
  payer,
  ...Object.fromEntries(recipients.map((r) => [r, 0])),
});
const payOut = (amount: number): Transfer[] =>
  recipients.map((to, i) => ({ key: `pay-${i}`, from: 'payer', to, amount }));

describe('break it: ten transfers out of one account at the same moment', () => {
  it('read-modify-write creates 900 out of nothing (every caller writes payer = 1000 - 100); the script conserves the total', async () => {
    const naive = await atOnce(readModifyWriteLedger, 'rmw', opening(1_000), payOut(100), 'mget');
    expect(naive.done).toBe(CALLERS);
    expect(naive.balances.get('payer')).toBe(900); // nine debits lost
    expect(sum(naive.balances.values()) - 1_000).toBe(900);

    const script = await atOnce(ledger, 'rmw-script', opening(1_000), payOut(100), 'mget');
    expect(script.done).toBe(CALLERS);
    expect(script.balances.get('payer')).toBe(0);
    expect(sum(script.balances.values())).toBe(1_000);
  });

  it('check-then-DECRBY overdraws the payer to -900 (all ten checked 100 >= 100); the script lets one through and refuses nine', async () => {
    const naive = await atOnce(checkThenActLedger, 'cta', opening(100), payOut(100), 'mget');
    expect(naive.done).toBe(CALLERS);
    expect(naive.balances.get('payer')).toBe(-900);
    expect(sum(naive.balances.values())).toBe(100); // conserved, and still wrong

    const script = await atOnce(ledger, 'cta-script', opening(100), payOut(100), 'mget');
    expect(script.done).toBe(1);
    expect(script.refused).toBe(CALLERS - 1);
    expect(script.balances.get('payer')).toBe(0);
    expect(Math.min(...script.balances.values())).toBe(0);
  });
});

describe('break it: one transfer key sent ten times at the same moment', () => {
  const sameTransfer = Array.from({ length: CALLERS }, (): Transfer => ({
    key: 'once',
    from: 'payer',
    to: 'r0',
    amount: 100,
  }));

  it('a record checked before and written after lets all ten through; the script moves the money once', async () => {
    // Every naive caller's look at the record (HMGET) is answered before any of them writes it.
    const naive = await atOnce(checkThenActLedger, 'dup', opening(1_000), sameTransfer, 'hmget');
    expect(naive.done).toBe(CALLERS);
    expect(naive.balances.get('payer')).toBe(0);
    expect(naive.balances.get('r0')).toBe(1_000);

    const script = await atOnce(ledger, 'dup-script', opening(1_000), sameTransfer, 'hmget');
    expect(script.done).toBe(1); // the other nine were answered from the record (replayed)
    expect(script.balances.get('payer')).toBe(900);
    expect(script.balances.get('r0')).toBe(100);
  });
});
