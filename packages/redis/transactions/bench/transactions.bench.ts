// pnpm --filter poc-redis-transactions bench: what MULTI/EXEC costs. The same batch of commands sent three
// ways, side by side in one process, with the same connections, warm-up and fresh balances:
//   unbatched   one awaited command after another (a round trip each): the baseline;
//   pipeline    all commands in one write, one round trip, no MULTI/EXEC (not atomic);
//   MULTI-EXEC  the same pipeline wrapped in MULTI ... EXEC (atomic): this POC.
// The batch is a set of moves between accounts (DECRBY one, INCRBY another): 10 commands (5 moves) in A
// and B, 2 commands (one move) in C. Every operation ends when its last reply has arrived.
// The claim is this POC's own (the roadmap gives #11 none): MULTI/EXEC costs about what a pipeline of the
// same commands costs, and several times less than sending them one by one.
// Writes bench/results.json; the README's "Measured" section is rendered from it.
import { benchReport, compareLoad, compareThroughput, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { accounts, multiExec, type Batch, type Command } from '../src/index.ts';
import { pipelined, unbatched } from '../src/naive.ts';

const CONCURRENCY = 16;
const DURATION_MS = 1_000;
const ROUNDS = 5;
const ACCOUNTS = 10;
const BIG_BATCH = 10;
const START_BALANCE = 1_000_000;

const modes: Record<string, (r: Redis) => Batch> = {
  unbatched: unbatched,
  pipeline: pipelined,
  'MULTI-EXEC': multiExec,
};

runMain(async () => {
  const ns = await redisNamespace({ name: 'transactions_bench' }); // a key prefix of its own
  try {
    // One connection per caller, the same ones for every variant.
    const clients = Array.from({ length: CONCURRENCY }, () => ns.client());
    await Promise.all(clients.map((c) => c.ping()));
    const admin = clients[0]!;
    const persistence = (
      await Promise.all(
        ['appendonly', 'appendfsync', 'save'].map(async (name) => {
          const [, value] = (await admin.config('GET', name)) as [string, string];
          return `${name}=${value === '' ? '""' : value}`;
        }),
      )
    ).join(' ');

    const ids = Array.from({ length: ACCOUNTS }, (_, i) => `acct${i}`);
    const book = accounts(admin, { name: 'bench' });
    const reset = (): Promise<void> => book.open(Object.fromEntries(ids.map((id) => [id, START_BALANCE])));
    /** `size` commands: size / 2 moves of 1 unit, each from one account to the next, starting at `offset`. */
    const batchOf = (size: number, offset: number): Command[] =>
      Array.from({ length: size / 2 }, (_, i) => {
        const from = ids[(offset + i) % ACCOUNTS]!;
        const to = ids[(offset + i + 1) % ACCOUNTS]!;
        return [
          ['decrby', book.key(from), 1],
          ['incrby', book.key(to), 1],
        ] as Command[];
      }).flat();
    const big = ids.map((_, offset) => batchOf(BIG_BATCH, offset));
    const single = ids.map((_, offset) => batchOf(2, offset));
    const runners = Object.fromEntries(
      Object.entries(modes).map(([name, make]) => [name, clients.map((c) => make(c))]),
    );
    let turn = 0;
    const variants = (batches: Command[][]) =>
      Object.fromEntries(
        Object.keys(modes).map((name) => [
          name,
          (worker: number) => runners[name]![worker]!.exec(batches[turn++ % batches.length]!),
        ]),
      );

    const report = benchReport({
      parameters: {
        batchSize: BIG_BATCH,
        batch: `${BIG_BATCH} commands = ${BIG_BATCH / 2} moves (DECRBY + INCRBY of 1 unit) over ${ACCOUNTS} accounts; C: 2 commands (one move)`,
        callers: CONCURRENCY,
        concurrency: `1 (A), ${CONCURRENCY} (B, C)`,
        connections: `${CONCURRENCY}, one per caller, the same for every variant`,
        durationMsPerVariantPerRound: DURATION_MS,
        rounds: ROUNDS,
        freshState: 'balances reset before each variant run',
        redisPersistence: `${persistence} (the shared server runs without persistence)`,
      },
      services: ['redis'],
    });

    // Every variant must work, and leave the balances summing up, before anything is timed.
    await reset();
    for (const name of Object.keys(modes)) await runners[name]![0]!.exec(big[0]!);
    const sum = (await book.balances(ids)).reduce((a, b) => a + b, 0);
    if (sum !== ACCOUNTS * START_BALANCE) throw new Error(`balances sum to ${sum} after the check run`);

    await reset();
    report.add(
      await compareThroughput({
        id: 'one-caller',
        title: `A. One caller, a batch of ${BIG_BATCH} commands at a time`,
        variants: Object.fromEntries(
          Object.keys(modes).map((name) => [name, () => runners[name]![0]!.exec(big[turn++ % ACCOUNTS]!)]),
        ),
        rounds: ROUNDS,
        timeMs: DURATION_MS,
      }),
    );
    report.add(
      await compareLoad({
        id: 'load',
        title: `B. ${CONCURRENCY} callers, a batch of ${BIG_BATCH} commands each`,
        variants: variants(big),
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        beforeEach: reset,
      }),
    );
    report.add(
      await compareLoad({
        id: 'load-2',
        title: `C. ${CONCURRENCY} callers, one move (2 commands) each`,
        variants: variants(single),
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        beforeEach: reset,
      }),
    );

    await report.finish(
      'Own claim (the roadmap gives #11 none): MULTI/EXEC costs about what a pipeline of the same commands costs, far less than sending them one by one. ' +
        'Batches of {param:batchSize} commands, throughput ÷ unbatched: MULTI/EXEC {ratio:one-caller/MULTI-EXEC} and pipeline {ratio:one-caller/pipeline} at one caller; ' +
        'MULTI/EXEC {ratio:load/MULTI-EXEC} and pipeline {ratio:load/pipeline} at {param:callers} callers; one move (2 commands) at {param:callers} callers: MULTI/EXEC {ratio:load-2/MULTI-EXEC}, pipeline {ratio:load-2/pipeline}.',
    );
  } finally {
    await ns.close();
  }
});
