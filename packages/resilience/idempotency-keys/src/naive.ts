// What people write first, with the same options and interface as idempotent(), so tests and the bench
// compare like with like. Not exported from the main entry: import it from
// 'poc-resilience-idempotency-keys/naive'.
//  - withoutKeys: the handler alone. A client that retries (a timeout, a lost reply, a double click)
//    charges again: 50 identical POSTs make 50 payments.
//  - recordAfterCommit: looks idempotent (it checks the key, then runs, then records the key), but the
//    side effect commits on its own before the key is written. A server killed between the two keeps the
//    payment and forgets the key, so the client's retry pays twice; two duplicates that check at the same
//    time both run.
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';
import {
  HEADER,
  REPLAYED_HEADER,
  clientGone,
  createContext,
  createTableSql,
  inTransaction,
  keyProblem,
  send,
  type Idempotent,
  type IdempotentOptions,
} from './idempotent.ts';

export function withoutKeys(options: IdempotentOptions): Idempotent {
  const { pool, table } = createContext(options);
  return {
    table,
    setup: async () => undefined, // keeps no keys
    purge: async () => 0,
    route(handler) {
      check.fn('handler', handler);
      return async (request, reply) => {
        const signal = clientGone(reply);
        const response = await postgresCall('handling a request', () =>
          inTransaction(pool, signal, (db) => handler(request, db, signal)),
        );
        return send(reply, response);
      };
    },
  };
}

export function recordAfterCommit(options: IdempotentOptions): Idempotent {
  const context = createContext(options);
  const { pool, table, clock, ttlMs } = context;
  return {
    table,
    setup: async () => {
      await postgresCall(`creating table ${table}`, () => pool.query(createTableSql(table)));
    },
    purge: async () => {
      const res = await pool.query(`DELETE FROM ${table} WHERE expires_at <= $1`, [clock.now()]);
      return res.rowCount ?? 0;
    },
    route(handler) {
      check.fn('handler', handler);
      return async (request, reply) => {
        const key = request.headers[HEADER];
        const bad = keyProblem(key);
        if (bad) return reply.code(400).send({ error: bad });
        const fingerprint = context.fingerprint(request);
        const signal = clientGone(reply);
        const now = clock.now();
        const found = await pool.query<{
          fingerprint: string;
          status: number;
          headers: Record<string, string>;
          body: unknown;
        }>(`SELECT fingerprint, status, headers, body FROM ${table} WHERE key = $1 AND expires_at > $2`, [key, now]);
        const stored = found.rows[0];
        if (stored) {
          if (stored.fingerprint !== fingerprint)
            return reply.code(422).send({ error: `this ${HEADER} was used for a different request` });
          return send(reply, stored, { [REPLAYED_HEADER]: 'true' });
        }
        // The flaw: the side effect commits here, in its own transaction (each statement on the pool)...
        const response = await handler(request, pool as unknown as pg.ClientBase, signal);
        // ...and only then is the key recorded. A crash in between keeps the payment and loses the key.
        await pool.query(
          `INSERT INTO ${table} (key, fingerprint, status, headers, body, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
          [
            key,
            fingerprint,
            response.status,
            JSON.stringify(response.headers ?? {}),
            JSON.stringify(response.body ?? null),
            now,
            now + ttlMs,
          ],
        );
        return send(reply, response);
      };
    },
  };
}
