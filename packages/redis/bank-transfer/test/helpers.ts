// Workloads and interleavings shared by the suites.
import { barrier, holdReplies } from '@poc/harness';
import type { Redis } from 'ioredis';
import { isBankTransferError, type Ledger, type Transfer, type TransferReceipt } from '../src/index.ts';

/** A small seeded generator (mulberry32): the same seed gives the same transfers on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` transfers between random distinct accounts, amounts 1..maxAmount, keys `<prefix>-<i>`. */
export function randomTransfers(
  count: number,
  accounts: readonly string[],
  maxAmount: number,
  prefix: string,
  seed = 15,
): Transfer[] {
  const random = seeded(seed);
  const pick = (): string => accounts[Math.floor(random() * accounts.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const from = pick();
    let to = pick();
    while (to === from) to = pick();
    return { key: `${prefix}-${i}`, from, to, amount: 1 + Math.floor(random() * maxAmount) };
  });
}

export interface Settled {
  receipts: TransferReceipt[];
  /** Refused for insufficient funds (nothing moved). */
  refused: number;
}

/** Runs every transfer with `ledgers.length` concurrent callers (caller i uses ledgers[i]), each taking the next one. */
export async function transferAll(ledgers: readonly Ledger[], transfers: readonly Transfer[]): Promise<Settled> {
  const receipts: TransferReceipt[] = [];
  let refused = 0;
  let next = 0;
  await Promise.all(
    ledgers.map(async (l) => {
      while (next < transfers.length) {
        const t = transfers[next++]!;
        try {
          receipts.push(await l.transfer(t));
        } catch (e) {
          if (!isBankTransferError(e, 'insufficient-funds')) throw e;
          refused++;
        }
      }
    }),
  );
  return { receipts, refused };
}

/** The balances the receipts say there should be: the opening balances with every completed transfer applied. */
export function expectedBalances(
  opening: ReadonlyMap<string, number>,
  receipts: readonly Transfer[],
): Map<string, number> {
  const balances = new Map(opening);
  for (const r of receipts) {
    balances.set(r.from, balances.get(r.from)! - r.amount);
    balances.set(r.to, balances.get(r.to)! + r.amount);
  }
  return balances;
}

export const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);

/**
 * Clients whose first reply to `command` is held until `parties` such replies, over all the clients it
 * wrapped, have arrived: every caller's read is answered before any caller acts on it. Later replies
 * pass at once. The server stays real; only when each caller hears its answer changes.
 */
export function holdFirstReplies(command: string, parties: number): (redis: Redis) => Redis {
  const gate = barrier(parties);
  let open = false;
  const then = async (): Promise<void> => {
    if (open) return;
    await gate();
    open = true;
  };
  return (redis) => holdReplies(redis, [command], then);
}

/** Accounts a0..a<n-1>. */
export const accountNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `a${i}`);
