// Runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) for a statement and names what went wrong in the plan.
// ANALYZE executes the statement, so it runs on one connection inside BEGIN ... ROLLBACK: an explained
// UPDATE changes nothing. Settings (work_mem ...) and a statement timeout apply with SET LOCAL to that
// transaction only; an aborted signal cancels the statement on the server (pg_cancel_backend).
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';
import { findProblems, thresholdsFrom, type Finding, type PlanNode, type Thresholds } from './findings.ts';

/** What the explainer needs: a pg.Pool (one connection per explain, and one more to cancel). */
export type ConnectionSource = Pick<pg.Pool, 'connect' | 'query'>;

export interface ExplainOptions extends Partial<Thresholds> {
  /** Server settings for the explained statement only (SET LOCAL), e.g. { work_mem: '64MB' }. */
  settings?: Record<string, string>;
  /** statement_timeout for the explained statement (default none). */
  timeoutMs?: number;
}

export interface ExplainReport {
  /** What the rules found, parents before children; [] for a plan with nothing to say. */
  findings: Finding[];
  /** The root plan node of EXPLAIN's JSON. */
  plan: PlanNode;
  planningMs: number;
  executionMs: number;
}

export interface Explainer {
  /** Explains `sql` with `values` ($1, $2 ...) under ANALYZE, rolled back; resolves to the plan and its findings. */
  explain(sql: string, values?: readonly unknown[], options?: { signal?: AbortSignal }): Promise<ExplainReport>;
}

const SETTING_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/** Checks the options once; every explain() uses them. */
export function explainer(pool: ConnectionSource, options: ExplainOptions = {}): Explainer {
  check.kind(
    typeof pool?.connect === 'function' && typeof pool?.query === 'function',
    'pool',
    'must be a pg.Pool (an object with connect() and query())',
    pool,
  );
  check.options('options', options);
  const { settings = {}, timeoutMs, ...thresholdOptions } = options;
  const thresholds = thresholdsFrom(thresholdOptions);
  check.options('options.settings', settings);
  for (const [name, value] of Object.entries(settings)) {
    check.that(SETTING_NAME.test(name), 'options.settings', 'must name settings in lower case (like work_mem)', name);
    check.that(typeof value === 'string', `options.settings.${name}`, 'must be a string', value);
  }
  if (timeoutMs !== undefined) check.positiveInt('options.timeoutMs', timeoutMs);
  const local: Array<[string, string]> = Object.entries(settings);
  if (timeoutMs !== undefined) local.push(['statement_timeout', String(timeoutMs)]);

  return {
    async explain(sql, values = [], callOptions = {}) {
      check.that(typeof sql === 'string' && sql.trim().length > 0, 'sql', 'must be a non-empty statement', sql);
      check.kind(Array.isArray(values), 'values', 'must be an array', values);
      check.options('options', callOptions);
      check.signal('options.signal', callOptions.signal);
      const { signal } = callOptions;
      signal?.throwIfAborted();
      const what = `explaining ${JSON.stringify(sql.trim().replace(/\s+/g, ' ').slice(0, 60))}`;
      const client = await postgresCall(`${what}: connecting`, () => pool.connect());
      let broken: Error | undefined;
      const pid = (client as unknown as { processID: number }).processID; // on pg's Client, not in its types
      const cancel = (): void => void pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        const rows = await postgresCall(what, async () => {
          await client.query('BEGIN');
          try {
            for (const [name, value] of local) await client.query('SELECT set_config($1, $2, true)', [name, value]);
            return (await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, [...values])).rows;
          } finally {
            await client.query('ROLLBACK').catch((e: Error) => void (broken = e));
          }
        }).catch((e: unknown) => {
          throw signal?.aborted ? signal.reason : e;
        });
        signal?.throwIfAborted(); // aborted while the answer was already on its way
        const root = (
          rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }> }
        )['QUERY PLAN'][0]!;
        return {
          findings: findProblems(root.Plan, thresholds),
          plan: root.Plan,
          planningMs: root['Planning Time'],
          executionMs: root['Execution Time'],
        };
      } finally {
        signal?.removeEventListener('abort', cancel);
        client.release(broken);
      }
    },
  };
}

/** Every node of a plan, depth first: for assertions and reports ("which scans did it use?"). */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}
