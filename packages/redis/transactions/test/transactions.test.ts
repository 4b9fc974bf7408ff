// MULTI/EXEC against a real Redis: what it guarantees (all queued commands run together, nobody sees the
// middle), what it does not (no rollback of a command that fails at run time), and what aborts it (a
// command Redis cannot queue, a WATCHed key). The naive modes run the same commands for contrast.
import { holdReplies, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TransactionAbortedError,
  TransactionPartialError,
  accounts,
  isTransactionsError,
  multiExec,
  type Batch,
} from '../src/index.ts';
import { pipelined, unbatched } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'transactions' }); // a key prefix of its own
  redis = ns.client();
});
afterAll(() => ns?.close());

const modes: Array<[string, (r: Redis) => Batch]> = [
  ['MULTI/EXEC', multiExec],
  ['pipeline', pipelined],
  ['unbatched', unbatched],
];

const IDS = ['a', 'b', 'c', 'd', 'e'];
const TOTAL = 5_000;
const WRITERS = 20;
const MOVES = 50;

type Reader = (redis: Redis, keys: string[]) => Promise<number[]>;
const readers: Array<[string, Reader]> = [
  ['MGET', async (r, keys) => (await r.mget(keys)).map(Number)],
  [
    'its own MULTI of GETs',
    async (r, keys) => (await multiExec(r).exec(keys.map((k) => ['get', k] as const))).map(Number),
  ],
];

/**
 * WRITERS clients (a connection each) make MOVES moves each around IDS, while one more client reads every
 * balance in a loop until they are done. Returns how many reads saw the sum differ from TOTAL.
 */
async function movesUnderAReader(name: string, batch: (r: Redis) => Batch, read: Reader) {
  const movers = Array.from({ length: WRITERS }, () => {
    const client = ns.client();
    return accounts(client, { name, batch: batch(client) });
  });
  const keys = IDS.map((id) => movers[0]!.key(id));
  await movers[0]!.open(Object.fromEntries(IDS.map((id) => [id, TOTAL / IDS.length])));
  const reader = ns.client();
  let done = false;
  const work = Promise.all(
    movers.map(async (m, w) => {
      for (let i = 0; i < MOVES; i++) await m.move(IDS[(w + i) % 5]!, IDS[(w + i + 2) % 5]!, 3);
    }),
  ).finally(() => (done = true));
  let reads = 0;
  let broken = 0;
  while (!done) {
    const sum = (await read(reader, keys)).reduce((a, b) => a + b, 0);
    reads++;
    if (sum !== TOTAL) broken++;
  }
  await work;
  const final = (await redis.mget(keys)).reduce((a, v) => a + Number(v), 0);
  return { reads, broken, final };
}

describe('MULTI/EXEC: atomic and isolated', () => {
  it('runs the queued commands in order and answers one reply per command', async () => {
    const replies = await multiExec(redis).exec([
      ['set', 'order:1', 'new'],
      ['hset', 'order:1:lines', 'apple', 3, 'pear', 2],
      ['rpush', 'order:log', 'created'],
      ['get', 'order:1'],
      ['hgetall', 'order:1:lines'],
    ]);
    expect(replies).toEqual(['OK', 2, 1, 'new', { apple: '3', pear: '2' }]);
    expect(await redis.hget('order:1:lines', 'pear')).toBe('2');
    expect(await redis.lrange('order:log', 0, -1)).toEqual(['created']);
  });

  it.each(readers)(
    'break it: a reader using %s never sees a move half done under MULTI/EXEC; with unbatched moves it does',
    async (what, read) => {
      const suffix = what.replace(/\W+/g, '-');
      const naive = await movesUnderAReader(`naive-${suffix}`, unbatched, read);
      const pattern = await movesUnderAReader(`multi-${suffix}`, multiExec, read);
      console.log(
        `reader ${what}: unbatched ${naive.broken} of ${naive.reads} reads short, MULTI/EXEC ${pattern.broken} of ${pattern.reads}`,
      );
      expect(pattern.reads).toBeGreaterThan(0);
      expect(pattern.broken).toBe(0);
      expect(naive.broken).toBeGreaterThan(0);
      // Both end with every unit accounted for: the naive version's fault is what others see meanwhile.
      expect(pattern.final).toBe(TOTAL);
      expect(naive.final).toBe(TOTAL);
    },
  );

  it('break it, made certain: a read answered between the unbatched DECRBY and INCRBY sees the units in flight', async () => {
    const view = accounts(redis, { name: 'in-flight' });
    let seen: number[] | undefined;
    // Every reply to the writer's commands is held until the reader has read once: after DECRBY, before INCRBY.
    const held = holdReplies(ns.client(), ['call'], async () => {
      seen ??= await view.balances(['a', 'b']);
    });
    const writer = accounts(held, { name: 'in-flight', batch: unbatched(held) });
    await view.open({ a: 100, b: 0 });
    await writer.move('a', 'b', 30);
    expect(seen).toEqual([70, 0]); // 30 units were in neither account
    expect(await view.balances(['a', 'b'])).toEqual([70, 30]);
  });

  it('a pipeline is not a transaction: a command in it that blocks lets a reader see the move half done; in MULTI it cannot block', async () => {
    const view = accounts(redis, { name: 'blocking' });
    await view.open({ a: 100, b: 0 });
    const halfMove = (): Array<readonly [string, ...Array<string | number>]> => [
      ['decrby', view.key('a'), 10],
      ['blpop', 'gate', 0], // waits for an element; any command that yields the connection does the same
      ['incrby', view.key('b'), 10],
    ];
    const writer = ns.client();

    const piped = pipelined(writer).exec(halfMove());
    // The server ran DECRBY and parked the rest of the pipeline: other clients run meanwhile.
    await expect.poll(() => view.balances(['a', 'b'])).toEqual([90, 0]);
    await redis.lpush('gate', 'go');
    expect(await piped).toEqual([90, [`${ns.prefix}gate`, 'go'], 10]); // BLPOP names the key with its prefix
    expect(await view.balances(['a', 'b'])).toEqual([90, 10]);

    // Inside MULTI a blocking command does not block (BLPOP answers nil at once): nothing runs in between.
    expect(await multiExec(writer).exec(halfMove())).toEqual([80, null, 20]);
    expect(await view.balances(['a', 'b'])).toEqual([80, 20]);
  });
});

describe('MULTI/EXEC: no rollback, and what aborts it', () => {
  it.each(modes)(
    '%s: a command that fails at run time (INCR on a string) leaves the others applied, and the error lists both',
    async (mode, batch) => {
      const k = (name: string): string => `no-rollback:${mode}:${name}`;
      const err = await batch(redis)
        .exec([
          ['set', k('greeting'), 'hello'],
          ['incr', k('greeting')],
          ['set', k('after'), 'yes'],
        ])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransactionPartialError);
      expect(isTransactionsError(err, 'partial')).toBe(true);
      const partial = err as TransactionPartialError;
      expect(partial.applied).toEqual([
        { index: 0, command: 'SET', reply: 'OK' },
        { index: 2, command: 'SET', reply: 'OK' },
      ]);
      expect(partial.failed).toEqual([
        { index: 1, command: 'INCR', error: 'ERR value is not an integer or out of range' },
      ]);
      expect(partial.message).toBe(
        '1 of 3 commands failed and nothing was rolled back: #1 INCR: ERR value is not an integer or out of range; applied: #0 SET, #2 SET',
      );
      // Read back: both SETs took effect.
      expect(await redis.mget(k('greeting'), k('after'))).toEqual(['hello', 'yes']);
    },
  );

  it('MULTI/EXEC: a command Redis cannot queue (wrong arity, unknown command) discards the whole transaction (EXECABORT)', async () => {
    const err = await multiExec(redis)
      .exec([
        ['set', 'abort:x', 1],
        ['incrby', 'abort:x'],
        ['set', 'abort:y', 2],
        ['fly', 'away'],
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionAbortedError);
    expect(isTransactionsError(err, 'aborted')).toBe(true);
    const aborted = err as TransactionAbortedError;
    expect(aborted.reason).toBe('execabort');
    expect(aborted.rejected).toEqual([
      { index: 1, command: 'INCRBY', error: "ERR wrong number of arguments for 'incrby' command" },
      { index: 3, command: 'FLY', error: "ERR unknown command 'fly', with args beginning with: 'away' " },
    ]);
    expect(aborted.message).toMatch(
      /^transaction discarded by Redis \(EXECABORT\), nothing was applied: command #1 INCRBY/,
    );
    expect(await redis.exists('abort:x', 'abort:y')).toBe(0); // nothing was applied
  });

  it.each(modes.filter(([mode]) => mode !== 'MULTI/EXEC'))(
    '%s: the same refused commands fail alone and the others are applied',
    async (mode, batch) => {
      const k = (name: string): string => `refused:${mode}:${name}`;
      const err = await batch(redis)
        .exec([
          ['set', k('x'), 1],
          ['incrby', k('x')],
          ['set', k('y'), 2],
        ])
        .catch((e: unknown) => e);
      expect(isTransactionsError(err, 'partial')).toBe(true);
      expect((err as TransactionPartialError).failed.map((f) => f.index)).toEqual([1]);
      expect(await redis.mget(k('x'), k('y'))).toEqual(['1', '2']);
    },
  );

  it('a WATCH left on a shared connection by other code aborts EXEC, and nothing is applied', async () => {
    const shared = ns.client();
    await shared.set('watched', 'v1');
    await shared.watch('watched'); // some other user of this connection
    await redis.set('watched', 'v2'); // another client changes the key
    const err = await multiExec(shared)
      .exec([['set', 'watch:applied', 'yes']])
      .catch((e: unknown) => e);
    expect(isTransactionsError(err, 'aborted')).toBe(true);
    expect((err as TransactionAbortedError).reason).toBe('watch');
    expect(await redis.exists('watch:applied')).toBe(0);
    // EXEC ended the WATCH: the next batch on the connection runs.
    expect(await multiExec(shared).exec([['set', 'watch:applied', 'yes']])).toEqual(['OK']);
  });

  it('cannot make a move conditional: MULTI queues commands without reading, so a move can overdraw', async () => {
    const acc = accounts(redis, { name: 'overdraw' });
    await acc.open({ a: 5, b: 0 });
    await acc.move('a', 'b', 8);
    expect(await acc.balances(['a', 'b'])).toEqual([-3, 8]); // "only if a >= 8" needs WATCH or Lua
  });
});
