import { describe, expect, it } from 'vitest';
import { compose, execute, type Operation, type Policy } from '../src/index.ts';

/** A policy that records when it runs, around the operation it wraps. */
const tracing =
  (name: string, trace: string[]): Policy =>
  <T>(op: Operation<T>): Operation<T> =>
  async (signal) => {
    trace.push(`${name}>`);
    try {
      return await op(signal);
    } finally {
      trace.push(`<${name}`);
    }
  };

describe('compose', () => {
  it('nests like function calls: the first policy is the outermost', async () => {
    const trace: string[] = [];
    const op: Operation<number> = async () => {
      trace.push('op');
      return 7;
    };
    const a = tracing('a', trace);
    const b = tracing('b', trace);
    expect(await execute(compose(a, b)(op))).toBe(7);
    expect(trace).toEqual(['a>', 'b>', 'op', '<b', '<a']);
    trace.length = 0;
    await execute(a(b(op)));
    expect(trace).toEqual(['a>', 'b>', 'op', '<b', '<a']);
  });

  it('with no policy returns the operation unchanged, and refuses what is not a policy', async () => {
    const op: Operation<string> = async () => 'x';
    expect(compose()(op)).toBe(op);
    expect(() => compose(tracing('a', []), 5 as never)).toThrow('compose: policy 1 is not a function (got number)');
  });
});

describe('execute', () => {
  it('passes the caller’s signal, or one that never aborts', async () => {
    const seen: AbortSignal[] = [];
    const op: Operation<void> = async (signal) => void seen.push(signal);
    const ac = new AbortController();
    await execute(op, ac.signal);
    await execute(op);
    expect(seen[0]).toBe(ac.signal);
    expect(seen[1]).toBeInstanceOf(AbortSignal);
    expect(seen[1]!.aborted).toBe(false);
  });
});
