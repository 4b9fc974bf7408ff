// pnpm --filter poc-resilience-bulkhead demo: a slow dependency (toxiproxy adds latency to its link) and a
// fast one, called from this process through one http.Agent capped at SOCKETS sockets; first without
// bulkheads, then with one per dependency. Prints what the README's "Expected output" shows.
import { fileURLToPath } from 'node:url';
import { eventually, proxyTo, serverFor, spawnTsWorker } from '@poc/harness';
import { execute, runMain, type Operation } from '@poc/kit';
import { bulkhead, isBulkheadError, type Bulkhead, type BulkheadOptions } from './index.ts';
import { control, dependency, serviceStats, sharedAgent, waitingForSocket } from './lab/client.ts';
import { unbounded } from './naive.ts';

const SOCKETS = 8;
const SLOW_LATENCY_MS = 1_000;
const SLOW_CALLS = 16;
const FAST_CALLS = 5;
const say = (line = ''): void => console.log(line);

runMain(async () => {
  const toxiproxy = await serverFor('toxiproxy');
  say(`Bulkhead demo: toxiproxy ${toxiproxy.version} (${toxiproxy.provider}), a fastify service in its own process`);
  const service = spawnTsWorker(fileURLToPath(new URL('./lab/service.ts', import.meta.url)));
  const direct = (await service.waitForLine(/^listening /)).slice('listening '.length);
  const fastLink = await proxyTo(direct, { name: 'demo_fast' });
  const slowLink = await proxyTo(direct, { name: 'demo_slow' });
  await slowLink.addLatency(SLOW_LATENCY_MS);
  say(
    `slow link: +${SLOW_LATENCY_MS} ms (toxiproxy latency); one http.Agent, ${SOCKETS} sockets for the whole process`,
  );
  try {
    const scenario = async (label: string, make: (o: BulkheadOptions) => Bulkhead): Promise<void> => {
      say();
      say(`${label}: ${SLOW_CALLS} slow calls, then ${FAST_CALLS} fast calls`);
      await control(direct, 'reset');
      const agent = sharedAgent(SOCKETS);
      const slowPolicy = make({ name: 'slow', limit: SOCKETS / 2, queue: SOCKETS / 2 });
      const slow: Operation<string> = slowPolicy(dependency(slowLink.listen, 'slow', agent));
      const fast: Operation<string> = make({ name: 'fast', limit: SOCKETS / 2, queue: 16 })(
        dependency(fastLink.listen, 'fast', agent),
      );
      let slowAnswered = 0;
      const slowOutcomes = Array.from({ length: SLOW_CALLS }, () =>
        execute(slow).then(
          () => (slowAnswered++, 'answered'),
          (e: unknown) => (isBulkheadError(e, 'full') ? 'refused' : 'failed'),
        ),
      );
      const inFlight = Math.min(SOCKETS, slowPolicy.stats().active);
      await eventually(async () => (await serviceStats(direct)).received.slow === inFlight, {
        what: 'slow calls sent',
      });
      say(
        `  slow calls in flight: ${inFlight}, queued in the bulkhead: ${slowPolicy.stats().queued}, refused at once: ${slowPolicy.stats().rejected}`,
      );
      const waitingBefore = waitingForSocket(agent);
      const started = performance.now();
      const fastCalls = Promise.all(Array.from({ length: FAST_CALLS }, () => execute(fast)));
      await new Promise((r) => setImmediate(r));
      say(`  fast calls waiting for a socket in the agent: ${waitingForSocket(agent) - waitingBefore}`);
      await fastCalls;
      say(
        `  ${FAST_CALLS} fast calls answered after ${Math.round(performance.now() - started)} ms; slow calls answered by then: ${slowAnswered}`,
      );
      const outcomes = await Promise.all(slowOutcomes);
      const count = (o: string): number => outcomes.filter((x) => x === o).length;
      say(
        `  slow calls: ${count('answered')} answered, ${count('refused')} refused by the bulkhead, ${count('failed')} failed`,
      );
      agent.destroy();
    };
    await scenario('Without bulkheads', unbounded);
    await scenario('With a bulkhead per dependency (slow: 4 running + 4 queued, fast: 4)', bulkhead);
  } finally {
    await Promise.allSettled([fastLink.close(), slowLink.close()]);
    await service.kill();
  }
  say();
  say('done');
});
