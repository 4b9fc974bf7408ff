// Runs every anomaly at every isolation level on two live connections and prints what PostgreSQL
// allowed, then the on-call rota under a burst of concurrent requests, with and without
// serializable + retry. Every verdict below is computed from what the server just did.
import { postgresDatabase, serverFor } from '@poc/harness/services';
import { runMain } from '@poc/kit';
import { SCENARIOS, lostUpdate, runScenario, writeSkew, type Scenario } from './lab/anomalies.ts';
import { createRota, rushShift, warmPool, type RushResult } from './lab/doctors.ts';
import { openSessions, renderTranscript } from './lab/sessions.ts';
import type { TransactionOptions } from './index.ts';

const REQUESTS = 12;
const ROUNDS = 5;

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  try {
    console.log(
      `PostgreSQL ${server.version} (${server.provider}). Each scenario runs on two real connections, T1 and T2.\n`,
    );
    const s = await openSessions(() => db.client());

    for (const scenario of SCENARIOS) {
      console.log(`${scenario.title}: ${scenario.question}`);
      for (const level of scenario.levels) {
        const v = scenario.verdict(await runScenario(s, scenario, level));
        console.log(`  ${level.padEnd(17)} ${(v.anomaly ? 'ALLOWED' : 'prevented').padEnd(10)} ${v.how}`);
      }
      console.log('');
    }

    const stepByStep = async <R>(scenario: Scenario<R>, level: string): Promise<void> => {
      await runScenario(s, scenario, level);
      console.log(`${scenario.title} at ${level}, step by step:`);
      console.log(renderTranscript(s.transcript, 46).replace(/^/gm, '  '));
      console.log('');
    };
    await stepByStep(lostUpdate, 'read committed');
    await stepByStep(writeSkew, 'serializable');

    const pool = db.pool({ max: REQUESTS });
    await createRota(pool);
    await warmPool(pool, REQUESTS);
    console.log(
      `On-call rota under load: ${ROUNDS} shifts, each staffed with alice and bob, then hit by ${REQUESTS} concurrent`,
    );
    console.log(`"go off call if at least 2 are on call" transactions (alternately for alice and bob).`);
    const variants: Array<[string, TransactionOptions]> = [
      ['read committed, no retry', { isolation: 'read committed', maxAttempts: 1 }],
      ['repeatable read, no retry', { isolation: 'repeatable read', maxAttempts: 1 }],
      ['repeatable read + retry', { isolation: 'repeatable read' }],
      ['serializable, no retry', { isolation: 'serializable', maxAttempts: 1 }],
      ['serializable + retry', { isolation: 'serializable' }],
    ];
    let shift = 0;
    console.log(
      `  ${'variant'.padEnd(26)} ${'empty shifts'.padEnd(13)} ${'on call per shift'.padEnd(18)} ${'went off'.padEnd(9)} ${'refused'.padEnd(8)} ${'failed'.padEnd(7)} retries`,
    );
    for (const [name, options] of variants) {
      const rs: RushResult[] = [];
      for (let i = 0; i < ROUNDS; i++) rs.push(await rushShift(pool, ++shift, REQUESTS, options));
      const total = (k: 'wentOff' | 'refused' | 'gaveUp' | 'retries'): number => rs.reduce((n, r) => n + r[k], 0);
      const empty = `${rs.filter((r) => r.onCall === 0).length}/${ROUNDS}`;
      console.log(
        `  ${name.padEnd(26)} ${empty.padEnd(13)} ${rs
          .map((r) => r.onCall)
          .join(' ')
          .padEnd(
            18,
          )} ${String(total('wentOff')).padEnd(9)} ${String(total('refused')).padEnd(8)} ${String(total('gaveUp')).padEnd(7)} ${total('retries')}`,
      );
    }
    console.log(
      '\n"failed" = every attempt ended in 40001 (with no retry: the first one). Only serializable keeps someone',
    );
    console.log(
      'on call, and only the retry runner turns its 40001s into the right answer ("refused") instead of errors.',
    );
  } finally {
    await db.close();
  }
});
