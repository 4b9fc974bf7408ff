// pnpm --filter poc-redis-job-queue demo: the queue's promises, each shown against a real Redis,
// with real worker processes killed by SIGKILL.
import { fileURLToPath } from 'node:url';
import { eventually, redisNamespace, serverFor, spawnTsWorker } from '@poc/harness';
import { runMain } from '@poc/kit';
import { jobQueue, type WorkerEvent } from './index.ts';

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'jqdemo' }); // a fresh key prefix, deleted at the end
  const redis = ns.client();
  const say = (line = ''): void => console.log(line);
  const workerScript = fileURLToPath(new URL('../test/fixtures/worker.ts', import.meta.url));
  const closers: Array<() => Promise<void>> = [];

  try {
    say(`Redis reliable job queue demo (Redis ${server.version}, ${server.provider})`);

    say('\n1. Two workers, 10 jobs');
    const emails = jobQueue<{ to: string }>(redis, { name: 'emails' });
    const byWorker: Record<string, string[]> = { a: [], b: [] };
    for (const w of ['a', 'b']) {
      const worker = await emails.work(async (job) => void byWorker[w]!.push(job.id), { id: w });
      closers.push(() => worker.close());
    }
    for (let i = 1; i <= 10; i++) await emails.enqueue({ to: `user${i}@example.com` }, { id: `mail-${i}` });
    await eventually(async () => (await emails.stats()).completed === 10, { what: '10 emails' });
    say(
      `   worker a ran ${byWorker.a!.length}, worker b ran ${byWorker.b!.length}; stats: ${JSON.stringify(await emails.stats())}`,
    );

    say('\n2. A worker process is killed (SIGKILL) while it holds a job');
    const reports = jobQueue<{ month: string }>(redis, { name: 'reports', visibilityTimeoutMs: 1_000 });
    await reports.enqueue({ month: '2026-10' }, { id: 'report-oct' });
    const victim = spawnTsWorker(workerScript, ['poc', ns.url, ns.prefix, 'reports', '1000']);
    await victim.waitForLine('started report-oct');
    await victim.kill();
    say(
      `   worker pid ${victim.process.pid} took report-oct and was killed; in flight: ${(await reports.stats()).inFlight}`,
    );
    const t0 = Date.now();
    const events: WorkerEvent[] = [];
    const survivor = await reports.work(async () => {}, {
      id: 'survivor',
      heartbeatMs: 200,
      onEvent: (e) => events.push(e),
    });
    closers.push(() => survivor.close());
    await eventually(() => events.some((e) => e.type === 'completed'), { what: 'the report' });
    const done = events.find((e) => e.type === 'completed') as { id: string; attempt: number };
    say(
      `   reaper returned it after the 1 000 ms lease; survivor completed ${done.id} on attempt ${done.attempt} (${Date.now() - t0} ms after the survivor started)`,
    );
    say(`   stats: ${JSON.stringify(await reports.stats())}`);

    say('\n3. The same crash with the naive BRPOP worker');
    const naive = jobQueue<{ month: string }>(redis, { name: 'naive' });
    await naive.enqueue({ month: '2026-10' }, { id: 'report-oct' });
    const naiveVictim = spawnTsWorker(workerScript, ['naive', ns.url, ns.prefix, 'naive', '1000']);
    await naiveVictim.waitForLine('started report-oct');
    await naiveVictim.kill();
    say(`   killed; reaper finds: ${JSON.stringify(await naive.reap())}`);
    say(`   stats: ${JSON.stringify(await naive.stats())} -> enqueued 1, completed 0, nowhere to be found: lost`);

    say('\n4. A poison job (maxAttempts 3)');
    const invoices = jobQueue<{ invoice: number }>(redis, { name: 'invoices', maxAttempts: 3 });
    const poisonWorker = await invoices.work(async (job) => {
      throw new Error(`invoice ${job.payload.invoice} has no customer (attempt ${job.attempt})`);
    });
    closers.push(() => poisonWorker.close());
    await invoices.enqueue({ invoice: 1337 }, { id: 'inv-1337' });
    await eventually(async () => (await invoices.stats()).dead === 1, { what: 'the dead letter' });
    say(`   dead letters: ${JSON.stringify(await invoices.deadLetters())}`);

    say('\n5. A delayed job (delayMs 500)');
    const reminders = jobQueue<string>(redis, { name: 'reminders' });
    let ranAfter = -1;
    const enqueuedAt = Date.now();
    const reminderWorker = await reminders.work(async () => void (ranAfter = Date.now() - enqueuedAt), {
      heartbeatMs: 100,
    });
    closers.push(() => reminderWorker.close());
    await reminders.enqueue('renew your subscription', { delayMs: 500 });
    say(`   right after enqueue: ${JSON.stringify(await reminders.stats())}`);
    await eventually(() => ranAfter >= 0, { what: 'the reminder' });
    say(`   ran ${ranAfter} ms after enqueue (promoted by the reaper, which runs on every 100 ms heartbeat)`);

    say('\ndone');
  } finally {
    for (const close of closers) await close();
    await ns.close();
  }
});
