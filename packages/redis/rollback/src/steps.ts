// The steps a saga is made of, as data: a record naming a kind the Lua scripts know (what to do and how
// to undo it), the one key it changes and its arguments, both computed from the saga's input. The forward
// action and its compensation of each kind live side by side in src/lua/step-3.lua and compensate-3.lua.
import { check } from './errors.ts';

/** What a step does, and so how it is undone. */
export const STEP_KINDS = ['claim', 'debit', 'insert'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface Step<I> {
  readonly kind: StepKind;
  /** Names the step in the log, in outcomes and in events; unique within a saga. */
  readonly name: string;
  /** The one key the step changes, from the saga's input. */
  readonly key: (input: I) => string;
  /** What the script needs after the key: a debit's amount, an insert's field/value pairs. */
  readonly args: (input: I) => string[];
}

/**
 * Takes `key` for the saga: SET key <saga id> NX, or fail "already taken". Undo: delete the key if it
 * still holds the saga's id (a seat, a username, a slot).
 */
export function claim<I>(name: string, key: (input: I) => string): Step<I> {
  return { kind: 'claim', name, key, args: () => [] };
}

/**
 * Takes `amount` from the integer balance at `key`, or fails "insufficient funds" without touching it.
 * Undo: give the amount back (INCRBY), so money moved meanwhile by others is kept.
 */
export function debit<I>(name: string, key: (input: I) => string, amount: (input: I) => number): Step<I> {
  return {
    kind: 'debit',
    name,
    key,
    args: (input) => {
      const value = amount(input);
      check.positiveInt(`step "${name}": amount(input)`, value);
      return [String(value)];
    },
  };
}

/**
 * Writes a hash at `key` (plus a field `saga` = the saga's id), or fails "already exists" (a unique
 * constraint). Undo: delete the hash if it is still the one this saga wrote.
 */
export function insert<I>(
  name: string,
  key: (input: I) => string,
  fields: (input: I) => Readonly<Record<string, string>>,
): Step<I> {
  return {
    kind: 'insert',
    name,
    key,
    args: (input) => {
      const value = fields(input);
      const argument = `step "${name}": fields(input)`;
      check.kind(
        typeof value === 'object' && value !== null && !Array.isArray(value),
        argument,
        'must be an object of strings',
        value,
      );
      const entries = Object.entries(value);
      check.that(entries.length > 0, argument, 'must have at least one field', '{}');
      for (const [field, v] of entries) {
        check.that(field !== 'saga', argument, 'must not use the field "saga" (the step writes it)', field);
        check.kind(typeof v === 'string', `${argument}.${field}`, 'must be a string', v);
      }
      return entries.flat();
    },
  };
}

/** Checks a saga's step list once, when the saga is made. */
export function checkSteps(steps: unknown): asserts steps is ReadonlyArray<Step<unknown>> {
  check.kind(Array.isArray(steps) && steps.length > 0, 'options.steps', 'must be a non-empty array of steps', steps);
  const seen = new Set<string>();
  (steps as unknown[]).forEach((step, i) => {
    const at = `options.steps[${i}]`;
    check.kind(
      typeof step === 'object' && step !== null,
      at,
      'must be a step made by claim(), debit() or insert()',
      step,
    );
    const { kind, name, key, args } = step as Partial<Step<unknown>>;
    check.oneOf(`${at}.kind`, kind, STEP_KINDS);
    check.name(`${at}.name`, name);
    check.that(!seen.has(name), `${at}.name`, 'must be unique within the saga', name);
    seen.add(name);
    check.fn(`${at}.key`, key);
    check.fn(`${at}.args`, args);
  });
}

/** One step of one saga, its key and arguments computed from the input. */
export interface PlannedStep {
  readonly index: number;
  readonly name: string;
  readonly kind: StepKind;
  readonly key: string;
  readonly args: string[];
}

/** Every step's key and arguments for `input`, checked before anything is written. */
export function plan<I>(steps: ReadonlyArray<Step<I>>, input: I): PlannedStep[] {
  return steps.map((step, i) => {
    const key = step.key(input);
    check.name(`step "${step.name}": key(input)`, key);
    return { index: i + 1, name: step.name, kind: step.kind, key, args: step.args(input) };
  });
}
