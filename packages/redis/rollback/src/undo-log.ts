// The undo log's side of a saga: compensating logged steps (last first), ending a saga, taking over and
// finishing the sagas of callers whose lease ran out, and reading a log back. Every change goes through
// one of the Lua scripts in src/lua/, so each is atomic with the log entry it reads or writes.
import { randomBytes } from 'node:crypto';
import { SagaLostError, UndoLogMismatchError, check, redisCall } from './errors.ts';
import { sagaKeys, type Context, type RecoveredSaga, type SagaRecord, type SagaState } from './saga.ts';
import { luaScript, runScript } from './scripts.ts';
import { plan, type PlannedStep } from './steps.ts';

/** A script's answer: a word, then what goes with it. */
export type Reply = [string, ...Array<string | number>];

/** Runs one of src/lua/ on the saga's client; a failure of Redis becomes a RollbackServiceError naming `what`. */
export const script = (
  context: Context<unknown>,
  what: string,
  file: string,
  keys: string[],
  args: Array<string | number>,
) => redisCall(what, () => runScript(context.redis, luaScript(file), keys, args)) as Promise<Reply>;

/** A fresh owner token: one per run() and per takeover, so every script can tell its caller from the others. */
export const newToken = (): string => randomBytes(16).toString('hex');

/** The context's clock, checked: lease ends are stored and compared as integers of epoch ms. */
export function now(context: Context<unknown>): number {
  const t = context.clock.now();
  check.that(Number.isSafeInteger(t) && t >= 0, 'options.clock.now()', 'must return a non-negative integer of ms', t);
  return t;
}

/** Undoes the logged steps among `logged`, last first. Steps already undone or never done are skipped. */
export async function compensate(
  ctx: Context<unknown>,
  id: string,
  token: string,
  logged: PlannedStep[],
): Promise<number> {
  const keys = sagaKeys(ctx.name, id);
  let undone = 0;
  for (const step of [...logged].reverse()) {
    const [result, ...detail] = await script(
      ctx,
      `undoing step ${step.index} "${step.name}" of saga "${id}"`,
      'compensate-3.lua',
      [keys.log, keys.active, step.key],
      [id, token, step.index, step.name, now(ctx) + ctx.leaseMs],
    );
    if (result === 'refused') {
      if (detail[0] === 'compensated') break; // another compensator finished it first
      throw new SagaLostError(id, String(detail[0]), `undoing step "${step.name}"`);
    }
    if (result === 'mismatch') {
      const expected = `"${step.name}" on ${ctx.redis.options.keyPrefix ?? ''}${step.key}`;
      throw new UndoLogMismatchError(
        id,
        step.index,
        `it logged "${detail[0]}" on ${detail[1]}, the steps give ${expected}`,
      );
    }
    if (result === 'undone') {
      undone++;
      await ctx.onStep({ sagaId: id, step: step.name, index: step.index, phase: 'undone' });
    }
  }
  return undone;
}

/** Ends the saga as `as`; refused (SagaLostError) if the caller may not, or (mismatch) if a step is not done/undone. */
export async function finish(ctx: Context<unknown>, id: string, token: string, as: 'completed' | 'compensated') {
  const keys = sagaKeys(ctx.name, id);
  const [result, detail] = await script(
    ctx,
    `finishing saga "${id}"`,
    'finish-2.lua',
    [keys.log, keys.active],
    [id, token, as, ctx.retainMs],
  );
  if (result === 'lost') throw new SagaLostError(id, String(detail), `it was ${as}`);
  if (result === 'incomplete')
    throw new UndoLogMismatchError(
      id,
      Number(detail),
      `the log still has it ${as === 'completed' ? 'not done' : 'not undone'}`,
    );
}

/** Takes over every saga whose lease ended by this context's clock, and finishes it from its log. */
export async function recover<I>(context: Context<I>, signal?: AbortSignal): Promise<RecoveredSaga[]> {
  const ctx = context as Context<unknown>;
  const at = now(ctx);
  const active = sagaKeys(ctx.name, '').active;
  const ids = await redisCall(`listing the active sagas of "${ctx.name}"`, () =>
    ctx.redis.zrangebyscore(active, '-inf', at),
  );
  const recovered: RecoveredSaga[] = [];
  for (const id of ids) {
    signal?.throwIfAborted();
    const keys = sagaKeys(ctx.name, id);
    const token = newToken();
    const [result, state, logged, input] = await script(
      ctx,
      `taking over saga "${id}"`,
      'takeover-2.lua',
      [keys.log, keys.active],
      [id, token, at, now(ctx) + ctx.leaseMs],
    );
    if (result !== 'taken') continue;
    const steps = plan(context.steps, JSON.parse(String(input)) as I);
    if (Number(logged) > steps.length)
      throw new UndoLogMismatchError(id, steps.length + 1, `it logged ${logged} steps, the saga has ${steps.length}`);
    if (state === 'running') {
      await finish(ctx, id, token, 'completed'); // every step is logged: roll forward
      recovered.push({ id, status: 'completed', undone: 0 });
    } else {
      const undone = await compensate(ctx, id, token, steps.slice(0, Number(logged)));
      await finish(ctx, id, token, 'compensated');
      recovered.push({ id, status: 'compensated', undone });
    }
  }
  return recovered;
}

export async function inspect(ctx: Context<unknown>, id: string): Promise<SagaRecord | undefined> {
  const log = await redisCall(`reading the log of saga "${id}"`, () => ctx.redis.hgetall(sagaKeys(ctx.name, id).log));
  if (!log.state) return undefined;
  const steps = Array.from({ length: Number(log.steps) }, (_, i) => {
    const { name } = JSON.parse(log[`step:${i + 1}`] ?? '{}') as { name: string };
    const order = log[`undone:${i + 1}`];
    return order === undefined ? { name } : { name, undoneOrder: Number(order) };
  });
  return {
    id,
    state: log.state as SagaState,
    steps,
    ...(log.failedStep ? { failedStep: log.failedStep } : {}),
    ...(log.reason ? { reason: log.reason } : {}),
    leaseEnd: Number(log.lease),
  };
}
