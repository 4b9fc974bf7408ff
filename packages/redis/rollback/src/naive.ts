// What people write first: the same steps (the same atomic Lua per step), compensated from what the
// caller remembers, with no log in Redis. A failed step is still undone in reverse order — as long as the
// caller lives. Crash it between two steps and nothing anywhere says what was done: the seat stays taken
// and the wallet debited with no booking, and recover() has nothing to recover from. Its compensations
// are not idempotent either: a re-sent undo of a debit pays the money back twice. Same options and
// interface as the pattern, so tests and the bench compare like with like. Import it from
// 'poc-redis-rollback/naive'.
import type { Redis } from 'ioredis';
import { redisCall } from './errors.ts';
import { checkRun, createContext, type Context, type Saga, type SagaOptions, type SagaOutcome } from './saga.ts';
import { luaScript, runScript } from './scripts.ts';
import { plan, type PlannedStep } from './steps.ts';

export function naiveSaga<I>(redis: Redis, options: SagaOptions<I>): Saga<I> {
  const context = createContext(redis, options);
  return {
    name: context.name,
    run: async (id, input, runOptions = {}) => {
      const signal = checkRun(id, input, runOptions);
      return execute(context, id, input, signal);
    },
    recover: async () => [], // no log: nothing tells what a crashed caller had done
    inspect: async () => undefined,
  };
}

async function execute<I>(context: Context<I>, id: string, input: I, signal?: AbortSignal): Promise<SagaOutcome> {
  const steps = plan(context.steps, input);
  const done: PlannedStep[] = []; // the only record of what happened: this process's memory
  for (const step of steps) {
    if (signal?.aborted) {
      await undo(context, id, done);
      throw signal.reason;
    }
    const [result, reason = ''] = (await redisCall(`step ${step.index} "${step.name}" of saga "${id}"`, () =>
      runScript(context.redis, luaScript('naive-step-1.lua'), [step.key], [id, step.kind, ...step.args]),
    )) as [string, string?];
    if (result === 'failed') {
      await context.onStep({ sagaId: id, step: step.name, index: step.index, phase: 'failed', reason });
      const undone = await undo(context, id, done);
      return { status: 'compensated', id, failedStep: step.name, reason, undone, replayed: false };
    }
    done.push(step);
    await context.onStep({ sagaId: id, step: step.name, index: step.index, phase: 'done' });
  }
  return { status: 'completed', id, replayed: false };
}

async function undo<I>(context: Context<I>, id: string, done: PlannedStep[]): Promise<number> {
  for (const step of [...done].reverse()) {
    await redisCall(`undoing step ${step.index} "${step.name}" of saga "${id}"`, () =>
      runScript(context.redis, luaScript('naive-undo-1.lua'), [step.key], [id, step.kind, ...step.args]),
    );
    await context.onStep({ sagaId: id, step: step.name, index: step.index, phase: 'undone' });
  }
  return done.length;
}
