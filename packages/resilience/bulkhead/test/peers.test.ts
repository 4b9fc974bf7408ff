// The POC beside what a Node user would pick instead, at the edges the issue names: queue full, and a
// caller aborted while queued. Same gates for every library; the differences are asserted, not hidden.
//  - cockatiel's bulkhead(limit, queue): refuses at the same count; an aborted queued call keeps its queue
//    slot until its turn and, when its turn comes, does not pass the freed slot on (the next waiter stalls).
//  - p-limit: no queue bound and no signal: it never refuses; an aborted caller still runs when its turn comes.
//  - p-queue: no queue bound (never refuses); add(fn, { signal }) leaves the queue on abort, as the POC does.
import { execute } from '@poc/kit';
import { TaskCancelledError, bulkhead as cockatielBulkhead, isBulkheadRejectedError } from 'cockatiel';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { describe, expect, it } from 'vitest';
import { bulkhead, isBulkheadError } from '../src/index.ts';

function gates() {
  const started: string[] = [];
  const open = new Map<string, () => void>();
  const op = (id: string) => () =>
    new Promise<string>((resolve) => {
      started.push(id);
      open.set(id, () => resolve(id));
    });
  return { started, op, finish: (id: string) => open.get(id)!() };
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Lets each library's hand-over (microtasks, events) run: up to 20 turns of the event loop until `done`. */
async function turns(done: () => boolean): Promise<void> {
  for (let i = 0; i < 20 && !done(); i++) await tick();
}
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ran',
    (e: unknown) =>
      isBulkheadError(e, 'full') || isBulkheadRejectedError(e)
        ? 'refused'
        : e instanceof TaskCancelledError
          ? 'cancelled'
          : e instanceof Error
            ? e.message
            : String(e),
  );

describe('queue full (limit 1, queue 1, three callers)', () => {
  it('POC and cockatiel refuse the third caller at once; p-limit and p-queue queue it', async () => {
    const results: Record<string, string[]> = {};
    const peers = {
      poc: () => {
        const b = bulkhead({ limit: 1, queue: 1 });
        return (op: () => Promise<string>) => execute(b(op));
      },
      cockatiel: () => {
        const b = cockatielBulkhead(1, 1);
        return (op: () => Promise<string>) => b.execute(op);
      },
      'p-limit': () => {
        const limit = pLimit(1);
        return (op: () => Promise<string>) => limit(op);
      },
      'p-queue': () => {
        const q = new PQueue({ concurrency: 1 });
        return (op: () => Promise<string>) => q.add(op);
      },
    };
    for (const [peer, make] of Object.entries(peers)) {
      const run = make();
      const g = gates();
      const calls = ['a', 'b', 'c'].map((id) => outcome(run(g.op(id))));
      await tick();
      for (const id of ['a', 'b', 'c']) {
        if (g.started.includes(id)) g.finish(id);
        await tick();
        await tick();
      }
      results[peer] = await Promise.all(calls);
    }
    expect(results).toEqual({
      poc: ['ran', 'ran', 'refused'],
      cockatiel: ['ran', 'ran', 'refused'],
      'p-limit': ['ran', 'ran', 'ran'],
      'p-queue': ['ran', 'ran', 'ran'],
    });
  });
});

describe('abort while queued (limit 1, queue 2: a runs, b queued then aborted, c queued)', () => {
  it('POC: b leaves at once with its reason, its queue place is free, and c runs as soon as a finishes', async () => {
    const b0 = bulkhead({ limit: 1, queue: 2 });
    const g = gates();
    const ctl = new AbortController();
    const a = execute(b0(g.op('a')));
    const b = outcome(execute(b0(g.op('b')), ctl.signal));
    const c = execute(b0(g.op('c')));
    ctl.abort(new Error('gave up'));
    expect(await b).toBe('gave up');
    expect(b0.stats()).toMatchObject({ queued: 1, abandoned: 1 });
    g.finish('a');
    await a;
    await tick();
    expect(g.started).toEqual(['a', 'c']);
    g.finish('c');
    await c;
  });

  it('cockatiel: b keeps its queue slot until its turn, then fails without passing the slot on: c stalls', async () => {
    const policy = cockatielBulkhead(1, 2);
    const g = gates();
    const ctl = new AbortController();
    const a = policy.execute(g.op('a'));
    const b = outcome(policy.execute(g.op('b'), ctl.signal));
    const c = policy.execute(g.op('c'));
    ctl.abort(new Error('gave up'));
    await tick();
    expect(policy.queueSlots).toBe(0); // b still holds its place
    g.finish('a');
    await a;
    expect(await b).toBe('cancelled');
    await tick();
    await tick();
    // A slot is free and c is queued, yet c has not started: it waits for some other call to finish.
    expect(policy.executionSlots).toBe(1);
    expect(policy.queueSlots).toBe(1);
    expect(g.started).toEqual(['a']);
    // Another call arriving takes the free slot, and only its end starts c.
    const d = policy.execute(g.op('d'));
    await tick();
    g.finish('d');
    await d;
    await tick();
    await tick();
    expect(g.started).toEqual(['a', 'd', 'c']);
    g.finish('c');
    await c;
  });

  it('p-queue: b leaves at once with its reason and c runs after a; p-limit has no signal: b runs anyway', async () => {
    const q = new PQueue({ concurrency: 1 });
    const g = gates();
    const ctl = new AbortController();
    const a = q.add(g.op('a'));
    const b = outcome(q.add(g.op('b'), { signal: ctl.signal }));
    const c = q.add(g.op('c'));
    ctl.abort(new Error('gave up'));
    expect(await b).toBe('gave up');
    expect(q.size).toBe(1);
    g.finish('a');
    await a;
    await turns(() => g.started.includes('c'));
    expect(g.started).toEqual(['a', 'c']);
    g.finish('c');
    await c;

    const limit = pLimit(1);
    const h = gates();
    const la = limit(h.op('a'));
    // p-limit takes no signal: a caller that gives up can only ignore the result; b still runs in its turn.
    const lb = limit(h.op('b'));
    await turns(() => h.started.includes('a'));
    expect(limit.pendingCount).toBe(1);
    h.finish('a');
    await la;
    await turns(() => h.started.includes('b'));
    expect(h.started).toEqual(['a', 'b']);
    h.finish('b');
    await lb;
  });
});
