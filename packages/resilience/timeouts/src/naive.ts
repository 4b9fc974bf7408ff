// The naive versions: what people write first. naiveTimeout races the operation against a timer: the
// CALLER gets an error in time, but the operation's signal never aborts, so the work (an HTTP call to the
// next service, a query in PostgreSQL) runs on to its end for nobody. naiveQuery leaves the statement
// running when its caller gives up. Same shapes as the pattern, so tests and the bench compare like with
// like. Not exported from the main entry: import them from 'poc-resilience-timeouts/naive'.
import { systemClock, type Operation, type Policy } from '@poc/kit';
import type pg from 'pg';
import { TimeoutError, check } from './errors.ts';
import { checkClock, type TimeoutOptions } from './timeouts.ts';
import type { Queryable } from './pg.ts';

export function naiveTimeout(options: TimeoutOptions): Policy {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.ms', options.ms);
  const clock = options.clock ?? systemClock;
  checkClock('options.clock', clock);
  const name = options.name ?? 'operation';
  return <T>(operation: Operation<T>): Operation<T> =>
    (signal) =>
      new Promise<T>((resolve, reject) => {
        const cancel = clock.schedule(
          () => reject(new TimeoutError(`${name} took longer than ${options.ms} ms`, options.ms)),
          options.ms,
        );
        operation(signal).then(resolve, reject).finally(cancel);
      });
}

/** The query, with the signal accepted and ignored: the caller can stop waiting, the server cannot stop. */
export async function naiveQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  sql: string,
  values: readonly unknown[],
  _signal: AbortSignal,
): Promise<R[]> {
  return (await db.query<R>(sql, values as unknown[])).rows;
}
