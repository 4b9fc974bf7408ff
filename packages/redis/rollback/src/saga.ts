// A saga over Redis, which has no rollback: each step runs in one Lua script that writes its effect and
// its undo-log entry together, so the log always says exactly which steps happened. A failed step has
// the done ones compensated in reverse order; a crashed caller's saga is compensated from the log by
// whichever process calls recover() once its lease has run out. Compensations mark their entry, so
// running one twice changes nothing more.
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { SagaBusyError, SagaLostError, check } from './errors.ts';
import { checkSteps, plan, type PlannedStep, type Step } from './steps.ts';
import { compensate, finish, inspect, newToken, now, recover, script, type Reply } from './undo-log.ts';

export interface StepEvent {
  readonly sagaId: string;
  readonly step: string;
  /** From 1, in the order of the saga's steps. */
  readonly index: number;
  readonly phase: 'done' | 'failed' | 'undone';
  /** Why the step failed (phase "failed"). */
  readonly reason?: string;
}

export interface SagaOptions<I> {
  /** Names the saga; its log lives under "<name>:log:<id>" and "<name>:active". */
  name: string;
  /** The steps, in order: records made by claim(), debit() and insert(). */
  steps: ReadonlyArray<Step<I>>;
  /** How long a caller owns a saga after its last progress before recover() may take it over (default 30 s). */
  leaseMs?: number;
  /** How long a finished saga's log is kept, so a retried run() with its id gets its outcome (default 24 h). */
  retainMs?: number;
  /** Lease times come from here (default systemClock); a recoverer can pass one that reads ahead. */
  clock?: Clock;
  /** Called, and awaited, after each step is done, failed or undone: metrics, tracing, or a test pausing a worker. */
  onStep?: (event: StepEvent) => void | Promise<void>;
}

export interface RunOptions {
  /** Checked before each step: an abort compensates the done steps, then run() rejects with the reason. */
  signal?: AbortSignal;
}

export type SagaOutcome =
  | { readonly status: 'completed'; readonly id: string; readonly replayed: boolean }
  | {
      readonly status: 'compensated';
      readonly id: string;
      /** The step that failed ("" when recovery compensated a crashed caller's saga). */
      readonly failedStep: string;
      readonly reason: string;
      /** Steps undone (by this caller, or by whoever finished the saga when replayed). */
      readonly undone: number;
      readonly replayed: boolean;
    };

export interface RecoveredSaga {
  readonly id: string;
  /** "completed" when every step had been logged (rolled forward), else "compensated". */
  readonly status: 'completed' | 'compensated';
  readonly undone: number;
}

export type SagaState = 'running' | 'compensating' | 'completed' | 'compensated';

/** A saga's log as Redis holds it. */
export interface SagaRecord {
  readonly id: string;
  readonly state: SagaState;
  /** The logged steps, in order; `undoneOrder` 1 is the first one compensated. */
  readonly steps: ReadonlyArray<{ readonly name: string; readonly undoneOrder?: number }>;
  readonly failedStep?: string;
  readonly reason?: string;
  /** Epoch ms; recover() may take the saga over after it. */
  readonly leaseEnd: number;
}

export interface Saga<I> {
  readonly name: string;
  /** Runs saga `id` once: a second call with the same id answers the first one's outcome (`replayed`). */
  run(id: string, input: I, options?: RunOptions): Promise<SagaOutcome>;
  /** Finishes every saga whose lease has run out: completes it if every step was logged, else compensates it. */
  recover(options?: RunOptions): Promise<RecoveredSaga[]>;
  /** The saga's log, or undefined when there is none. */
  inspect(id: string): Promise<SagaRecord | undefined>;
}

/** The keys of one saga's log and of the set of active sagas. */
export const sagaKeys = (name: string, id: string): { log: string; active: string } => ({
  log: `${name}:log:${id}`,
  active: `${name}:active`,
});

/** A saga with an undo log in Redis. Every argument is checked first (a RollbackArgumentError names it). */
export function saga<I>(redis: Redis, options: SagaOptions<I>): Saga<I> {
  const context = createContext(redis, options);
  return {
    name: context.name,
    run: (id, input, runOptions = {}) => {
      const signal = checkRun(id, input, runOptions);
      return runSaga(context, id, input, signal);
    },
    recover: async (runOptions = {}) => {
      check.options('options', runOptions);
      check.signal('signal', runOptions.signal);
      return recover(context, runOptions.signal);
    },
    inspect: async (id) => {
      check.name('id', id);
      return inspect(context as Context<unknown>, id);
    },
  };
}

/** What the operations work with, checked once. */
export interface Context<I> {
  readonly redis: Redis;
  readonly name: string;
  readonly steps: ReadonlyArray<Step<I>>;
  readonly leaseMs: number;
  readonly retainMs: number;
  readonly clock: Clock;
  readonly onStep: (event: StepEvent) => Promise<void>;
}

/** Checks the client and the options; the naive variant (src/naive.ts) takes the same, checked here too. */
export function createContext<I>(redis: Redis, options: SagaOptions<I>): Context<I> {
  check.kind(hasMethods(redis, 'evalsha', 'duplicate'), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.name', options.name);
  checkSteps(options.steps);
  const { leaseMs = 30_000, retainMs = 86_400_000, clock = systemClock, onStep } = options;
  check.positiveInt('options.leaseMs', leaseMs);
  check.positiveInt('options.retainMs', retainMs);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  if (onStep !== undefined) check.fn('options.onStep', onStep);
  return {
    redis,
    name: options.name,
    steps: options.steps,
    leaseMs,
    retainMs,
    clock,
    onStep: async (event) => onStep?.(event),
  };
}

/** Checks run()'s arguments; returns its signal. */
export function checkRun(id: unknown, input: unknown, options: unknown): AbortSignal | undefined {
  check.name('id', id);
  check.kind(typeof input === 'object' && input !== null, 'input', 'must be an object', input);
  check.options('options', options);
  const { signal } = (options ?? {}) as RunOptions;
  check.signal('signal', signal);
  return signal;
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** The input as JSON: recovery, maybe in another process, computes the steps' keys from it. */
function serialise(input: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch {
    // a BigInt or a cycle: reported below as the caller's input, not as a crash of ours
  }
  check.kind(json !== undefined, 'input', 'must be serialisable as JSON', input);
  return json;
}

/** The caller's own run: begin, each step with its log entry, then finish or compensate. */
async function runSaga<I>(context: Context<I>, id: string, input: I, signal?: AbortSignal): Promise<SagaOutcome> {
  const steps = plan(context.steps, input); // every key and argument checked before anything is written
  const ctx = context as Context<unknown>;
  const keys = sagaKeys(ctx.name, id);
  const json = serialise(input);
  const token = newToken();
  signal?.throwIfAborted();
  const begun = await script(
    ctx,
    `starting saga "${id}"`,
    'begin-2.lua',
    [keys.log, keys.active],
    [id, token, now(ctx) + ctx.leaseMs, json, steps.length],
  );
  if (begun[0] !== 'started') return existingOutcome(id, begun);

  for (const step of steps) {
    if (signal?.aborted) {
      await abortAndCompensate(ctx, id, token, steps.slice(0, step.index - 1), step, 'aborted by the caller');
      throw signal.reason;
    }
    const [result, detail = ''] = await script(
      ctx,
      `step ${step.index} "${step.name}" of saga "${id}"`,
      'step-3.lua',
      [keys.log, keys.active, step.key],
      [id, token, step.index, step.name, step.kind, now(ctx) + ctx.leaseMs, ...step.args],
    );
    if (result === 'lost') throw new SagaLostError(id, String(detail), `step "${step.name}"`);
    if (result === 'failed') {
      const reason = String(detail);
      await ctx.onStep({ sagaId: id, step: step.name, index: step.index, phase: 'failed', reason });
      const undone = await abortAndCompensate(ctx, id, token, steps.slice(0, step.index - 1), step, reason);
      return { status: 'compensated', id, failedStep: step.name, reason, undone, replayed: false };
    }
    await ctx.onStep({ sagaId: id, step: step.name, index: step.index, phase: 'done' });
  }
  await finish(ctx, id, token, 'completed');
  return { status: 'completed', id, replayed: false };
}

function existingOutcome(id: string, [state, failedStep, reason, undone]: Reply): SagaOutcome {
  if (state === 'completed') return { status: 'completed', id, replayed: true };
  if (state === 'compensated')
    return {
      status: 'compensated',
      id,
      failedStep: String(failedStep),
      reason: String(reason),
      undone: Number(undone),
      replayed: true,
    };
  throw new SagaBusyError(id, state);
}

async function abortAndCompensate(
  ctx: Context<unknown>,
  id: string,
  token: string,
  done: PlannedStep[],
  failed: PlannedStep,
  reason: string,
): Promise<number> {
  const keys = sagaKeys(ctx.name, id);
  const [result, state = ''] = await script(
    ctx,
    `aborting saga "${id}"`,
    'abort-2.lua',
    [keys.log, keys.active],
    [id, token, now(ctx) + ctx.leaseMs, failed.name, reason],
  );
  if (result === 'lost') throw new SagaLostError(id, String(state), `compensating after step "${failed.name}"`);
  const undone = await compensate(ctx, id, token, done);
  await finish(ctx, id, token, 'compensated');
  return undone;
}
