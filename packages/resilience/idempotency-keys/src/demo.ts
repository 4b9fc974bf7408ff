// pnpm --filter poc-resilience-idempotency-keys demo: the payment API in its own process on a real
// PostgreSQL; 50 identical POSTs at once with and without a key, a different body under a used key, a
// missing key, and a server SIGKILLed mid-request followed by the client's retry. Prints what the README's
// "Expected output" shows.
import { postgresDatabase, serverFor, uniqueName } from '@poc/harness';
import { runMain, systemClock } from '@poc/kit';
import { startLab, type Reply, type Route } from './lab/lab.ts';
import { setupSchema } from './lab/service.ts';

const say = (line = ''): void => console.log(line);
const N = 50;

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  await setupSchema(db.pool());
  const count = async (account: string): Promise<number> =>
    Number((await db.pool().query('SELECT count(*) AS n FROM payments WHERE account = $1', [account])).rows[0].n);
  let lab = await startLab(db.url);
  try {
    say(
      `Idempotency keys demo: ${server.service} ${server.version} (${server.provider}), payment API in process ${lab.worker.process.pid}`,
    );
    const storm = async (route: Route, key: string, account: string): Promise<string> => {
      const replies = await Promise.all(
        Array.from({ length: N }, () => lab.post(route, { key, body: { account, amount: 100 } })),
      );
      const kind = (r: Reply): string => (r.status === 201 ? (r.replayed ? 'replayed' : 'executed') : `${r.status}`);
      const tally = new Map<string, number>();
      for (const r of replies) tally.set(kind(r), (tally.get(kind(r)) ?? 0) + 1);
      return [...tally]
        .sort()
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
    };

    say(`\n1. ${N} identical POSTs at once, one Idempotency-Key`);
    const key = uniqueName('order');
    say(`   without keys (naive): ${await storm('/naive/payments', key, 'naive')} -> ${await count('naive')} payments`);
    say(`   with idempotent():    ${await storm('/payments', key, 'keyed')} -> ${await count('keyed')} payment`);

    say('\n2. The same key again, later');
    const later = await lab.post('/payments', { key, body: { account: 'keyed', amount: 100 } });
    say(`   same body:      ${later.status}, replayed=${later.replayed}, body ${JSON.stringify(later.body)}`);
    const other = await lab.post('/payments', { key, body: { account: 'keyed', amount: 999 } });
    say(`   different body: ${other.status} ${JSON.stringify(other.body)}`);
    const none = await lab.post('/payments', { body: { account: 'keyed', amount: 100 } });
    say(`   no key:         ${none.status} ${JSON.stringify(none.body)}`);
    say(`   payments for this key: ${await count('keyed')}`);

    say('\n3. The server is SIGKILLed after writing the payment, before answering; the client retries on a new server');
    for (const [route, account] of [
      ['/after-commit/payments', 'after-commit'],
      ['/payments', 'one-transaction'],
    ] as const) {
      const k = uniqueName('crash');
      const lost = lab
        .post(route, { key: k, body: { account, amount: 100 }, crash: 'after-effect' })
        .catch((e: unknown) => e);
      await lab.worker.waitForLine(`effect-applied ${k}`);
      await lab.worker.kill();
      await lost;
      lab = await startLab(db.url);
      // A 409 means PostgreSQL has not yet seen the dead connection (its transaction still holds the key):
      // the draft tells the client to retry later, and so does this one.
      let retry = await lab.post(route, { key: k, body: { account, amount: 100 } });
      for (let i = 0; retry.status === 409 && i < 50; i++) {
        await systemClock.sleep(100);
        retry = await lab.post(route, { key: k, body: { account, amount: 100 } });
      }
      const label =
        route === '/payments' ? 'idempotent(), one transaction       ' : 'naive, key recorded after the commit';
      say(`   ${label}: retry ${retry.status} replayed=${retry.replayed} -> ${await count(account)} payment(s)`);
    }
    say('\ndone');
  } finally {
    await lab.close();
    await db.close();
  }
});
