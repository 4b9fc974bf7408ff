// MULTI/EXEC, with its two promises and its one missing one. Redis runs the queued commands one after the
// other with no other client's command in between (atomic and isolated), and runs nothing if a command
// could not be queued (EXECABORT). It does NOT undo the commands that ran when one of them fails at run
// time: there is no rollback. multiExec() sends MULTI, the commands and EXEC in one write and turns each
// of these outcomes into a reply list or a typed error that says exactly what was applied.
import type { Redis } from 'ioredis';
import {
  TransactionAbortedError,
  TransactionPartialError,
  TransactionsServiceError,
  check,
  redisCall,
  type CommandApplied,
  type CommandFailure,
} from './errors.ts';

export type Arg = string | number | Buffer;
/** One Redis command as data: its name, then its arguments, e.g. `['incrby', 'stock', 5]`. */
export type Command = readonly [name: string, ...args: Arg[]];

export type BatchMode = 'multi' | 'pipeline' | 'unbatched';

/** Runs a list of commands in order. The modes differ in round trips and in what another client can see. */
export interface Batch {
  readonly mode: BatchMode;
  /**
   * One reply per command, in order. Rejects with TransactionPartialError when some commands failed (the
   * others were applied), TransactionAbortedError when nothing ran, TransactionsServiceError when the
   * server could not be reached. `signal` is checked before anything is sent; a batch in flight is not
   * cancelled (it would be half-applied in the modes that are not atomic).
   */
  exec(commands: readonly Command[], signal?: AbortSignal): Promise<unknown[]>;
}

/** The pattern: the commands between MULTI and EXEC, in one round trip, applied together or not at all. */
export function multiExec(redis: Redis): Batch {
  checkClient(redis);
  return {
    mode: 'multi',
    async exec(commands, signal) {
      checkBatch(commands, signal);
      signal?.throwIfAborted();
      const pipeline = redis.pipeline();
      pipeline.call('multi');
      for (const [name, ...args] of commands) pipeline.call(name, ...args);
      pipeline.call('exec');
      const replies = (await redisCall(`MULTI/EXEC of ${describeBatch(commands)}`, () => pipeline.exec()))!;

      // [MULTI's reply, one "QUEUED" (or a queueing error) per command, EXEC's reply]
      const [multiError] = replies[0]!;
      if (multiError) throw serviceError('MULTI', multiError);
      const rejected: CommandFailure[] = replies
        .slice(1, -1)
        .flatMap(([error], index) => (error ? [failure(commands, index, error)] : []));
      const [execError, execReply] = replies.at(-1)!;
      if (execError && !isCommandError(execError)) throw serviceError('EXEC', execError);
      if (execError) {
        const what = rejected.map((r) => `command #${r.index} ${r.command} was rejected: ${r.error}`).join('; ');
        throw new TransactionAbortedError(
          `transaction discarded by Redis (${execError.message.split(' ')[0]}), nothing was applied: ${what || execError.message}`,
          'execabort',
          rejected,
        );
      }
      if (execReply === null)
        throw new TransactionAbortedError(
          'transaction not run: a key WATCHed on this connection changed before EXEC, nothing was applied ' +
            '(WATCH state belongs to the connection: another user of this client may have set it)',
          'watch',
          [],
        );
      return settle(commands, execReply as unknown[]);
    },
  };
}

/**
 * One reply per command, or TransactionPartialError listing which commands were applied and which failed.
 * Shared by every mode: after a run-time error they all leave the other commands applied.
 */
export function settle(commands: readonly Command[], replies: readonly unknown[]): unknown[] {
  const failed: CommandFailure[] = [];
  const applied: CommandApplied[] = [];
  replies.forEach((reply, index) => {
    if (reply instanceof Error) failed.push(failure(commands, index, reply));
    else applied.push({ index, command: commandName(commands, index), reply });
  });
  if (failed.length === 0) return [...replies];
  const list = (items: ReadonlyArray<{ index: number; command: string }>): string =>
    items.map((c) => `#${c.index} ${c.command}`).join(', ') || 'none';
  throw new TransactionPartialError(
    `${failed.length} of ${commands.length} commands failed and nothing was rolled back: ` +
      `${failed.map((f) => `#${f.index} ${f.command}: ${f.error}`).join('; ')}; applied: ${list(applied)}`,
    applied,
    failed,
    replies,
  );
}

/** A command error the server replied with (wrong type, wrong arity ...), as opposed to a broken connection. */
export const isCommandError = (e: unknown): e is Error => e instanceof Error && e.name === 'ReplyError';

export const serviceError = (what: string, cause: Error): TransactionsServiceError =>
  new TransactionsServiceError(`${what} failed: ${cause.message}`, { cause });

const commandName = (commands: readonly Command[], index: number): string =>
  (commands[index]?.[0] ?? '?').toUpperCase();

const failure = (commands: readonly Command[], index: number, error: Error): CommandFailure => ({
  index,
  command: commandName(commands, index),
  error: error.message,
});

export const describeBatch = (commands: readonly Command[]): string =>
  `${commands.length} command${commands.length === 1 ? '' : 's'} (${commands.map((c) => c[0].toUpperCase()).join(' ')})`;

/** Checks a client the way every factory here does: by its methods, so another copy of ioredis passes too. */
export function checkClient(redis: unknown): asserts redis is Redis {
  check.kind(
    typeof redis === 'object' &&
      redis !== null &&
      ['pipeline', 'call', 'mget'].every((m) => typeof (redis as Record<string, unknown>)[m] === 'function'),
    'redis',
    'must be an ioredis client',
    redis,
  );
}

const isArg = (a: unknown): boolean =>
  typeof a === 'string' || (typeof a === 'number' && Number.isFinite(a)) || Buffer.isBuffer(a);

/** A batch is a non-empty array of commands, each a name followed by string, number or Buffer arguments. */
export function checkBatch(commands: unknown, signal: unknown): asserts commands is readonly Command[] {
  check.kind(Array.isArray(commands), 'commands', 'must be an array of commands', commands);
  check.that(commands.length > 0, 'commands', 'must hold at least one command', commands.length);
  commands.forEach((command: unknown, i) => {
    check.kind(Array.isArray(command), `commands[${i}]`, 'must be an array [name, ...args]', command);
    check.name(`commands[${i}][0]`, command[0]);
    command.slice(1).forEach((arg: unknown, j) => {
      check.that(isArg(arg), `commands[${i}][${j + 1}]`, 'must be a string, a finite number or a Buffer', arg);
    });
  });
  check.signal('signal', signal);
}
