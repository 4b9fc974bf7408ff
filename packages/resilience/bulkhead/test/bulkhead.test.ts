// The bulkhead's own rules, exactly: slots, FIFO hand-over, queue full, queue timeout (ManualClock),
// abort while queued, errors passed through. Operations here are gates the test opens, so every state is
// reached by events, never by timing. The real-server scenario is in starvation.test.ts.
import { ManualClock, execute } from '@poc/kit';
import { describe, expect, it } from 'vitest';
import type { BulkheadFullError } from '../src/index.ts';
import { bulkhead, isBulkheadError } from '../src/index.ts';

/** An operation that runs until the test opens it; `started` lists who got a slot, in order. */
function gates() {
  const started: string[] = [];
  const open = new Map<string, () => void>();
  const op = (id: string) => (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      started.push(id);
      open.set(id, () => resolve(id));
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  const finish = (id: string): void => open.get(id)!();
  return { started, op, finish };
}

const settled = <T>(p: Promise<T>): Promise<{ ok: T } | { err: unknown }> =>
  p.then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err }),
  );
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('bulkhead rules', () => {
  it('runs `limit` calls at once and hands each freed slot to the oldest waiter (FIFO)', async () => {
    const b = bulkhead({ limit: 2, queue: 3 });
    const g = gates();
    const calls = ['a', 'b', 'c', 'd', 'e'].map((id) => execute(b(g.op(id))));
    await tick();
    expect(g.started).toEqual(['a', 'b']);
    expect(b.stats()).toMatchObject({ active: 2, queued: 3, rejected: 0 });
    g.finish('b');
    await tick();
    expect(g.started).toEqual(['a', 'b', 'c']);
    g.finish('a');
    await tick();
    expect(g.started).toEqual(['a', 'b', 'c', 'd']);
    for (const id of ['c', 'd']) g.finish(id);
    await tick();
    g.finish('e');
    expect(await Promise.all(calls)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(b.stats()).toEqual({ active: 0, queued: 0, rejected: 0, abandoned: 0, completed: 5 });
  });

  it('a newcomer never barges past the queue: a freed slot is already taken when it arrives', async () => {
    const b = bulkhead({ limit: 1, queue: 1 });
    const g = gates();
    const first = execute(b(g.op('first')));
    const queued = execute(b(g.op('queued')));
    await tick();
    g.finish('first');
    await first;
    // The slot went to "queued" during release: a call arriving now finds the bulkhead busy, queue empty.
    const late = execute(b(g.op('late')));
    await tick();
    expect(g.started).toEqual(['first', 'queued']);
    expect(b.stats()).toMatchObject({ active: 1, queued: 1 });
    g.finish('queued');
    await tick();
    g.finish('late');
    expect(await Promise.all([queued, late])).toEqual(['queued', 'late']);
  });

  it.each([
    [1, 0, 1],
    [1, 2, 3],
    [3, 1, 4],
  ])('limit %i, queue %i: the call after %i in flight is refused with code "full"', async (limit, queue, admitted) => {
    const b = bulkhead({ name: 'dep', limit, queue });
    const g = gates();
    const calls = Array.from({ length: admitted }, (_, i) => execute(b(g.op(`c${i}`))));
    const refused = await settled(execute(b(g.op('extra'))));
    expect('err' in refused && isBulkheadError(refused.err, 'full')).toBe(true);
    expect((refused as { err: BulkheadFullError }).err.reason).toBe('queue-full');
    expect((refused as { err: BulkheadFullError }).err.message).toBe(
      `bulkhead "dep" is full: ${limit} running and ${queue} queued`,
    );
    expect(b.stats()).toMatchObject({ active: limit, queued: queue, rejected: 1 });
    await tick();
    for (let i = 0; i < admitted; i++) {
      g.finish(`c${i}`);
      await tick();
    }
    await Promise.all(calls);
    expect(g.started).not.toContain('extra');
  });

  it('a caller aborted while queued leaves the queue at once, with its own reason, and frees its place', async () => {
    const b = bulkhead({ limit: 1, queue: 1 });
    const g = gates();
    const running = execute(b(g.op('running')));
    const controller = new AbortController();
    const waiting = settled(execute(b(g.op('waiting')), controller.signal));
    await tick();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await waiting).toEqual({ err: reason });
    expect(b.stats()).toMatchObject({ active: 1, queued: 0, abandoned: 1 });
    // Its place is free: the next caller queues instead of being refused, and runs next.
    const next = execute(b(g.op('next')));
    g.finish('running');
    await tick();
    g.finish('next');
    expect(await Promise.all([running, next])).toEqual(['running', 'next']);
    expect(g.started).toEqual(['running', 'next']);
  });

  it('a signal already aborted never takes a slot', async () => {
    const b = bulkhead({ limit: 1, queue: 0 });
    const reason = new Error('too late');
    const out = await settled(execute(b(gates().op('x')), AbortSignal.abort(reason)));
    expect(out).toEqual({ err: reason });
    expect(b.stats()).toMatchObject({ active: 0, completed: 0, rejected: 0 });
  });

  it('queueTimeoutMs refuses a call still waiting when the (manual) clock reaches it, not a tick before', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ limit: 1, queue: 2, queueTimeoutMs: 100, clock });
    const g = gates();
    const running = execute(b(g.op('running')));
    const waiting = settled(execute(b(g.op('waiting'))));
    await clock.advance(99);
    expect(b.stats()).toMatchObject({ queued: 1, rejected: 0 });
    await clock.advance(1);
    const out = await waiting;
    expect('err' in out && isBulkheadError(out.err, 'full') && out.err.reason).toBe('queue-timeout');
    expect(b.stats()).toMatchObject({ active: 1, queued: 0, rejected: 1 });
    g.finish('running');
    await running;
    expect(clock.pending).toBe(0);
  });

  it('a call that got its slot before the queue timeout is not refused later', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ limit: 1, queue: 1, queueTimeoutMs: 100, clock });
    const g = gates();
    const running = execute(b(g.op('running')));
    const waiting = execute(b(g.op('waiting')));
    await clock.advance(50);
    g.finish('running');
    await clock.advance(100);
    g.finish('waiting');
    expect(await Promise.all([running, waiting])).toEqual(['running', 'waiting']);
    expect(b.stats()).toMatchObject({ rejected: 0, completed: 2 });
  });

  it("rethrows the operation's own error unchanged and still frees the slot", async () => {
    const b = bulkhead({ limit: 1, queue: 0 });
    const boom = new Error('dependency failed');
    expect(await settled(execute(b(() => Promise.reject(boom))))).toEqual({ err: boom });
    expect(await execute(b(() => Promise.resolve('after')))).toBe('after');
    expect(b.stats()).toMatchObject({ active: 0, completed: 2 });
  });
});
