// pnpm --filter poc-resilience-circuit-breaker bench: the POC's own claim, in one process, two comparisons.
//
// 1. outage: the lab service (own process, behind toxiproxy) hangs on every request; every caller gives up
//    after CALL_TIMEOUT_MS (an AbortSignal.timeout inside the operation, the same on every side). 20
//    concurrent callers per variant: no breaker, the POC, cockatiel and opossum, each breaker tripping on 5
//    failures (consecutive for the POC and cockatiel; opossum's rolling 50% with a volume of 5) and probing
//    again after HALF_OPEN_AFTER_MS. A caller's call counts as answered when it returns, error or not
//    (the caller handles the failure), so ops/s is answers per second and the latencies are the time a
//    caller waited for its answer. Requests sent to the dead service are counted per variant, per second,
//    after one untimed wave per variant has found the service dead (the steady state of an outage).
// 2. healthy: per-call overhead of each breaker around an in-process operation that always succeeds (no
//    network), one caller (tinybench): bare call, POC (consecutive and rate), cockatiel (consecutive and
//    sampling), opossum (its defaults plus timeout off).
import { benchReport, compareLoad, compareThroughput } from '@poc/harness/bench';
import { execute, runMain, type Operation } from '@poc/kit';
import {
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker as cockatielBreaker,
  handleAll,
} from 'cockatiel';
import CircuitBreakerOpossum from 'opossum';
import { circuitBreaker } from '../src/index.ts';
import { startLab } from '../src/lab/lab.ts';

const CONCURRENCY = 20;
const CALL_TIMEOUT_MS = 100;
const HALF_OPEN_AFTER_MS = 500;
const THRESHOLD = 5;
const DURATION_MS = 2_000;
const ROUNDS = 5;
const HEALTHY_TIME_MS = 1_000;

const NONE = 'no breaker';
const POC = 'POC';
const COCKATIEL = 'cockatiel';
const OPOSSUM = 'opossum';

const round1 = (n: number): number => Math.round(n * 10) / 10;
/** The caller handles the failure: a call counts as answered when it returns, error or not. */
const answered = (p: Promise<unknown>): Promise<void> =>
  p.then(
    () => undefined,
    () => undefined,
  );

runMain(async () => {
  const report = benchReport({
    parameters: {
      concurrency: CONCURRENCY,
      callTimeoutMs: CALL_TIMEOUT_MS,
      halfOpenAfterMs: HALF_OPEN_AFTER_MS,
      threshold: `${THRESHOLD} failures (POC and cockatiel: consecutive; opossum: volumeThreshold ${THRESHOLD}, errorThresholdPercentage 50)`,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      fault: 'lab service in "hang" mode (requests reach it and are never answered), behind toxiproxy with no toxic',
      healthyOperation: 'in-process async function returning a constant (no I/O)',
      healthyTimeMs: HEALTHY_TIME_MS,
      durability: 'none (no stored state)',
    },
    services: ['toxiproxy'],
  });

  const lab = await startLab();
  try {
    // Every variant sends its requests through this, so the requests that reach the dead service are counted.
    const sent: Record<string, number> = { [NONE]: 0, [POC]: 0, [COCKATIEL]: 0, [OPOSSUM]: 0 };
    const work =
      (variant: string): Operation<unknown> =>
      (signal) => {
        sent[variant]!++;
        // Held until the call settles: on Node 20 a timeout signal reachable only through AbortSignal.any()
        // can be garbage-collected before it fires, and the call would then never give up.
        const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
        return lab.work(AbortSignal.any([signal, timeout])).finally(() => void timeout.aborted);
      };
    const never = new AbortController().signal;

    const poc = circuitBreaker({
      strategy: { kind: 'consecutive', threshold: THRESHOLD },
      halfOpenAfterMs: HALF_OPEN_AFTER_MS,
    });
    const cockatiel = cockatielBreaker(handleAll, {
      halfOpenAfter: HALF_OPEN_AFTER_MS,
      breaker: new ConsecutiveBreaker(THRESHOLD),
    });
    const opossum = new CircuitBreakerOpossum(() => work(OPOSSUM)(never), {
      timeout: false, // the operation times itself out, as on every other side
      resetTimeout: HALF_OPEN_AFTER_MS,
      volumeThreshold: THRESHOLD,
      errorThresholdPercentage: 50,
    });
    const calls: Record<string, () => Promise<unknown>> = {
      [NONE]: () => execute(work(NONE)),
      [POC]: () => execute(poc(work(POC))),
      [COCKATIEL]: () => cockatiel.execute(({ signal }) => work(COCKATIEL)(signal)),
      [OPOSSUM]: () => opossum.fire(),
    };

    // Healthy first: every side must answer before anything is timed.
    for (const [name, call] of Object.entries(calls)) {
      const answer = await call();
      if (JSON.stringify(answer) !== '{"ok":true}') throw new Error(`${name} answered ${JSON.stringify(answer)}`);
    }
    // The outage starts: one untimed wave per variant finds the service dead (and trips each breaker), so the
    // comparison measures the steady state of an outage; the counts start after it.
    await lab.setMode('hang');
    for (const call of Object.values(calls))
      await Promise.all(Array.from({ length: CONCURRENCY }, () => answered(call())));
    const tripped = { [POC]: poc.state(), [COCKATIEL]: cockatiel.state, [OPOSSUM]: opossum.opened };
    if (tripped[POC] !== 'open' || tripped[COCKATIEL] !== CircuitState.Open || !tripped[OPOSSUM])
      throw new Error(`a breaker did not open on the first wave: ${JSON.stringify(tripped)}`);
    await lab.resetStats();
    for (const k of Object.keys(sent)) sent[k] = 0;

    // Time spent running each variant (warm-up included, like the counts), from the beforeEach hook.
    const seconds: Record<string, number> = {};
    let running: { name: string; since: number } | undefined;
    const switchTo = (name?: string): void => {
      const now = performance.now();
      if (running) seconds[running.name] = (seconds[running.name] ?? 0) + (now - running.since) / 1000;
      running = name === undefined ? undefined : { name, since: now };
    };
    const outage = await compareLoad({
      id: 'outage',
      title: `Outage: service hangs, ${CONCURRENCY} callers, each call gives up after ${CALL_TIMEOUT_MS} ms`,
      variants: Object.fromEntries(Object.entries(calls).map(([name, call]) => [name, () => answered(call())])),
      baseline: NONE,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      beforeEach: (name) => switchTo(name),
    });
    switchTo();
    report.add(outage);
    for (const [name, count] of Object.entries(sent)) {
      report.add({
        id: `dead-hits-${name === NONE ? 'none' : name.toLowerCase()}`,
        title: `Outage: requests sent to the hanging service per second, ${name}`,
        value: round1(count / seconds[name]!),
        unit: 'req/s',
      });
    }
    const received = await lab.stats();
    report.add({
      id: 'dead-hits-received',
      title: 'Outage: requests the service itself received / requests sent (all variants, timed and warm-up runs)',
      value: `${received.received.hang} / ${Object.values(sent).reduce((a, b) => a + b, 0)}`,
    });
    await lab.setMode('up');

    // Healthy overhead, in process.
    const ok = async (): Promise<number> => 1;
    const pocRate = circuitBreaker({
      strategy: { kind: 'rate', threshold: 0.5, windowMs: 10_000, minimumThroughput: 20 },
      halfOpenAfterMs: HALF_OPEN_AFTER_MS,
    })(ok);
    const pocConsecutive = circuitBreaker({
      strategy: { kind: 'consecutive', threshold: THRESHOLD },
      halfOpenAfterMs: HALF_OPEN_AFTER_MS,
    })(ok);
    const cockatielConsecutive = cockatielBreaker(handleAll, {
      halfOpenAfter: HALF_OPEN_AFTER_MS,
      breaker: new ConsecutiveBreaker(THRESHOLD),
    });
    const cockatielSampling = cockatielBreaker(handleAll, {
      halfOpenAfter: HALF_OPEN_AFTER_MS,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 2 }),
    });
    const opossumHealthy = new CircuitBreakerOpossum(ok, { timeout: false, resetTimeout: HALF_OPEN_AFTER_MS });
    const healthy = await compareThroughput({
      id: 'healthy',
      title: 'Healthy: one call through each breaker around an in-process operation (no I/O), one caller',
      variants: {
        [POC]: () => pocConsecutive(never),
        'POC rate': () => pocRate(never),
        'bare call': () => ok(),
        [COCKATIEL]: () => cockatielConsecutive.execute(ok),
        'cockatiel sampling': () => cockatielSampling.execute(ok),
        [OPOSSUM]: () => opossumHealthy.fire(),
      },
      baseline: POC,
      rounds: ROUNDS,
      timeMs: HEALTHY_TIME_MS,
    });
    report.add(healthy);
    opossum.shutdown();
    opossumHealthy.shutdown();

    await report.finish(
      `POC's own claim, measured. Outage (service hangs, ${CALL_TIMEOUT_MS} ms client timeout, {param:concurrency} callers): ` +
        `answers per second vs no breaker: POC {ratio:outage/POC}, cockatiel {ratio:outage/cockatiel}, opossum {ratio:outage/opossum}; ` +
        `p99 wait {p99:outage/POC} ms (POC) vs {p99:outage/cockatiel} ms (cockatiel), {p99:outage/opossum} ms (opossum), {p99:outage/no breaker} ms (no breaker); ` +
        `requests sent to the dead service per second: {fact:dead-hits-poc} (POC), {fact:dead-hits-cockatiel} (cockatiel), {fact:dead-hits-opossum} (opossum), {fact:dead-hits-none} (no breaker). ` +
        `Healthy overhead, calls per second vs the POC: cockatiel {ratio:healthy/cockatiel}, opossum {ratio:healthy/opossum}, bare call {ratio:healthy/bare call}.`,
    );
  } finally {
    await lab.close();
  }
});
