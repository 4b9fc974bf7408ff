// The same commands without MULTI/EXEC, for contrast (import from 'poc-redis-transactions/naive').
//
// unbatched(): what people write first, one awaited command after another. Every command is a round
// trip, and between two of them any other client can read or write: a reader sees a move half done
// (units taken from one account, not yet given to the other).
//
// pipelined(): the commands in one write and one round trip, like multiExec() without MULTI and EXEC. As
// fast, but not a transaction: the server runs each command when it reaches it, so another client's
// command can land between two of them (test: a command in the pipeline that blocks lets a reader in),
// and a command Redis refuses to run fails alone while the others are applied.
//
// Both report per-command failures the way multiExec() does (TransactionPartialError), so the tests and
// the bench compare like with like.
import type { Redis } from 'ioredis';
import { redisCall } from './errors.ts';
import {
  checkBatch,
  checkClient,
  describeBatch,
  isCommandError,
  serviceError,
  settle,
  type Batch,
  type Command,
} from './transactions.ts';

export function unbatched(redis: Redis): Batch {
  checkClient(redis);
  return {
    mode: 'unbatched',
    async exec(commands: readonly Command[], signal?: AbortSignal) {
      checkBatch(commands, signal);
      signal?.throwIfAborted();
      const replies: unknown[] = [];
      for (const [name, ...args] of commands) {
        try {
          replies.push(await redis.call(name, ...args));
        } catch (e) {
          if (!isCommandError(e)) throw serviceError(`${name.toUpperCase()} of ${describeBatch(commands)}`, e as Error);
          replies.push(e); // like EXEC, carry on with the next command
        }
      }
      return settle(commands, replies);
    },
  };
}

export function pipelined(redis: Redis): Batch {
  checkClient(redis);
  return {
    mode: 'pipeline',
    async exec(commands: readonly Command[], signal?: AbortSignal) {
      checkBatch(commands, signal);
      signal?.throwIfAborted();
      const pipeline = redis.pipeline();
      for (const [name, ...args] of commands) pipeline.call(name, ...args);
      const results = (await redisCall(`pipeline of ${describeBatch(commands)}`, () => pipeline.exec()))!;
      const broken = results.find(([error]) => error && !isCommandError(error));
      if (broken) throw serviceError(`pipeline of ${describeBatch(commands)}`, broken[0]!);
      return settle(
        commands,
        results.map(([error, reply]) => error ?? reply),
      );
    },
  };
}
