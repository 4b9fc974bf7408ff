// The failure the pattern prevents, against real servers: one Node process calls a fast and a slow
// dependency (a fastify service in its own process, each through its own toxiproxy proxy) through one
// shared http.Agent capped at SOCKETS sockets for the whole process. The slow dependency hangs (held by
// the service until the test releases it). Without bulkheads its calls take every socket and the fast
// calls wait in the agent; with one bulkhead per dependency the slow one is capped below the total, and
// the fast calls are served while the slow ones still hang. Counts only: what the service received, what
// waited for a socket, what was refused.
import { eventually } from '@poc/harness';
import { execute } from '@poc/kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkhead, isBulkheadError } from '../src/index.ts';
import { control, dependency, serviceStats, sharedAgent, waitingForSocket } from '../src/lab/client.ts';
import { unbounded } from '../src/naive.ts';
import { startLab, type Lab } from './lab.ts';

const SOCKETS = 4;
const SLOW_CALLS = 6;
const FAST_CALLS = 3;
let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
}, 60_000);
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});
beforeEach(async () => {
  await lab.slow.restore();
  await control(lab.direct, 'release');
  await control(lab.direct, 'reset');
});

const settle = <T>(p: Promise<T>): Promise<T | Error> => p.catch((e: Error) => e);

describe('a slow dependency and a fast one sharing the process sockets', () => {
  it('break it: without bulkheads, the hanging slow calls take every socket and no fast call reaches the service', async () => {
    const agent = sharedAgent(SOCKETS);
    const slow = unbounded({ name: 'slow', limit: 2, queue: 1 })(dependency(lab.slow.listen, 'slow', agent));
    const fast = unbounded({ name: 'fast', limit: 2, queue: 10 })(dependency(lab.fast.listen, 'fast', agent));
    await control(lab.direct, 'hold');
    const slowCalls = Array.from({ length: SLOW_CALLS }, () => settle(execute(slow)));
    await eventually(async () => (await serviceStats(lab.direct)).received.slow === SOCKETS, {
      what: 'slow calls on every socket',
    });
    const fastCalls = Array.from({ length: FAST_CALLS }, () => execute(fast));
    // Every fast call (and the slow ones beyond the cap) waits inside the agent for a socket.
    await eventually(() => waitingForSocket(agent) === SLOW_CALLS - SOCKETS + FAST_CALLS, {
      what: 'calls queued in the agent',
    });
    expect((await serviceStats(lab.direct)).received).toEqual({ fast: 0, slow: SOCKETS });
    // Only when the slow dependency answers do the fast calls get a socket.
    await control(lab.direct, 'release');
    expect(await Promise.all(fastCalls)).toHaveLength(FAST_CALLS);
    await Promise.all(slowCalls);
    expect((await serviceStats(lab.direct)).answered).toEqual({ fast: FAST_CALLS, slow: SLOW_CALLS });
    agent.destroy();
  });

  it('with a bulkhead per dependency, fast calls are served while the slow ones hang; the excess slow calls are refused', async () => {
    const agent = sharedAgent(SOCKETS);
    const slowBulkhead = bulkhead({ name: 'slow', limit: 2, queue: 1 });
    const fastBulkhead = bulkhead({ name: 'fast', limit: 2, queue: 10 });
    const slow = slowBulkhead(dependency(lab.slow.listen, 'slow', agent));
    const fast = fastBulkhead(dependency(lab.fast.listen, 'fast', agent));
    await control(lab.direct, 'hold');
    const slowCalls = Array.from({ length: SLOW_CALLS }, () => settle(execute(slow)));
    await eventually(async () => (await serviceStats(lab.direct)).received.slow === 2, {
      what: 'two slow calls running',
    });
    expect(slowBulkhead.stats()).toMatchObject({ active: 2, queued: 1, rejected: SLOW_CALLS - 3 });
    // The slow dependency still hangs: these resolve only because they never wait behind it.
    expect(await Promise.all(Array.from({ length: FAST_CALLS }, () => execute(fast)))).toHaveLength(FAST_CALLS);
    expect(waitingForSocket(agent)).toBe(0);
    expect((await serviceStats(lab.direct)).answered).toEqual({ fast: FAST_CALLS, slow: 0 });
    await control(lab.direct, 'release');
    const outcomes = await Promise.all(slowCalls);
    expect(outcomes.filter((o) => isBulkheadError(o, 'full'))).toHaveLength(SLOW_CALLS - 3);
    expect((await serviceStats(lab.direct)).answered).toEqual({ fast: FAST_CALLS, slow: 3 });
    expect(slowBulkhead.stats()).toEqual({
      active: 0,
      queued: 0,
      rejected: SLOW_CALLS - 3,
      abandoned: 0,
      completed: 3,
    });
    agent.destroy();
  });

  it('when toxiproxy cuts the slow link, its calls fail with the network error unchanged and give their slots back', async () => {
    const agent = sharedAgent(SOCKETS);
    const slowBulkhead = bulkhead({ name: 'slow', limit: 2, queue: 4 });
    const slow = slowBulkhead(dependency(lab.slow.listen, 'slow', agent));
    await lab.slow.cut();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => settle(execute(slow))));
    expect(
      outcomes.every(
        (o) =>
          o instanceof Error &&
          !isBulkheadError(o) &&
          /ECONNREFUSED|ECONNRESET/.test((o as NodeJS.ErrnoException).code ?? ''),
      ),
    ).toBe(true);
    expect(slowBulkhead.stats()).toEqual({ active: 0, queued: 0, rejected: 0, abandoned: 0, completed: 6 });
    await lab.slow.restore();
    expect(await execute(slow)).toContain('slow');
    agent.destroy();
  });
});
