// pnpm --filter poc-resilience-circuit-breaker demo: a real service (the lab's fastify app in its own
// process, behind toxiproxy) goes down and comes back; 20 callers at a time call it through the breaker,
// then the same outage is replayed with no breaker and with the naive timer breaker. Prints what the
// README's "Expected output" shows.
import { serverFor } from '@poc/harness';
import { execute, runMain, systemClock, type Policy } from '@poc/kit';
import { circuitBreaker, isCircuitBreakerError, type CircuitBreaker } from './index.ts';
import { startLab, type Lab } from './lab/lab.ts';
import { naiveCircuitBreaker } from './naive.ts';

const say = (line = ''): void => console.log(line);
const CALLERS = 20;
const HALF_OPEN_AFTER_MS = 1_000;
const strategy = { kind: 'consecutive', threshold: 5 } as const;

async function wave(lab: Lab, policy: Policy): Promise<string> {
  const seen = await Promise.all(
    Array.from({ length: CALLERS }, () =>
      execute(policy((signal) => lab.work(signal))).then(
        () => 'ok',
        (e: unknown) => (isCircuitBreakerError(e, 'open') ? 'refused' : 'failed'),
      ),
    ),
  );
  const count = (what: string): number => seen.filter((s) => s === what).length;
  return `${count('ok')} ok, ${count('failed')} failed, ${count('refused')} refused`;
}

/** The outage every variant goes through; returns the requests that reached the service while it was down. */
async function outage(lab: Lab, policy: Policy): Promise<number> {
  await lab.setMode('up');
  await lab.resetStats();
  await wave(lab, policy);
  await lab.setMode('fail');
  for (let i = 0; i < 4; i++) await wave(lab, policy);
  for (let period = 0; period < 2; period++) {
    await systemClock.sleep(HALF_OPEN_AFTER_MS);
    await wave(lab, policy);
  }
  return (await lab.stats()).received.fail;
}

runMain(async () => {
  const toxiproxy = await serverFor('toxiproxy');
  say(`Circuit breaker demo: toxiproxy ${toxiproxy.version} (${toxiproxy.provider}), lab service in its own process`);
  const lab = await startLab();
  try {
    const breaker: CircuitBreaker = circuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER_MS });
    breaker.onStateChange((to, from) => say(`  state: ${from} -> ${to}`));
    const dead = async (): Promise<number> => (await lab.stats()).received.fail;
    say(
      `Breaker: open after ${strategy.threshold} failures in a row, one probe after ${HALF_OPEN_AFTER_MS} ms; ${CALLERS} callers per wave`,
    );

    say(`1. service up:            ${await wave(lab, breaker)}`);
    await lab.setMode('fail');
    say(
      `2. service down (503):    ${await wave(lab, breaker)}  (all ${CALLERS} were in flight before the first failure)`,
    );
    const before = await dead();
    for (let i = 0; i < 3; i++) say(`3. open, wave ${i + 1}:          ${await wave(lab, breaker)}`);
    say(`   requests that reached the dead service while open: ${(await dead()) - before}`);
    await systemClock.sleep(HALF_OPEN_AFTER_MS);
    const beforeProbe = await dead();
    say(
      `4. after ${HALF_OPEN_AFTER_MS} ms, still down: ${await wave(lab, breaker)}  (requests that reached it: ${(await dead()) - beforeProbe}, the probe)`,
    );
    await lab.setMode('up');
    await systemClock.sleep(HALF_OPEN_AFTER_MS);
    say(`5. service back, probe:   ${await wave(lab, breaker)}`);
    say(`6. closed again:          ${await wave(lab, breaker)}`);
    const s = breaker.stats();
    say(`   stats: admitted ${s.admitted}, refused ${s.rejected}, probes ${s.probes}, opened ${s.opened} times`);

    say();
    say(
      'The same outage (1 healthy wave, 4 waves down, then 2 half-open periods still down), requests that reached the dead service:',
    );
    const noBreaker: Policy = (op) => op;
    say(`  no breaker:             ${await outage(lab, noBreaker)}`);
    say(
      `  naive timer breaker:    ${await outage(lab, naiveCircuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER_MS }))}`,
    );
    say(
      `  POC breaker:            ${await outage(lab, circuitBreaker({ strategy, halfOpenAfterMs: HALF_OPEN_AFTER_MS }))}`,
    );
  } finally {
    await lab.close();
  }
});
