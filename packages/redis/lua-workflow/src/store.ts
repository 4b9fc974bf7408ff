// What every variant of the workflow store shares (the script, WATCH/MULTI, the naive round trips): the
// types, the argument checks, the keys, reading an instance and its history, and turning the server's
// outcome into a result or a typed error. A variant only says how one transition is applied (`Apply`).
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import {
  IllegalTransitionError,
  LuaWorkflowArgumentError,
  TransitionConflictError,
  WorkflowNotFoundError,
  check,
  redisCall,
} from './errors.ts';
import {
  CREATE_EVENT,
  isMachine,
  type EventOf,
  type Machine,
  type MachineDefinition,
  type StateOf,
} from './machine.ts';

export interface WorkflowOptions<D extends MachineDefinition = MachineDefinition> {
  /** Names this store: its keys are `<name>:{<id>}` (+ `:history`, `:requests`). */
  name: string;
  /** The rules, from defineMachine(). */
  machine: Machine<D>;
  /** Time recorded with each transition (default systemClock); a test can pass a ManualClock from @poc/kit. */
  clock?: Clock;
}

export interface TransitionOptions {
  /** Names this request: a call repeated with the same id (a client re-send, a caller's retry) is applied once. Default: a random UUID. */
  requestId?: string;
  /** Apply only if the instance is still at this version (what the caller read); else TransitionConflictError. */
  expectedVersion?: number;
  /** Checked before the call is sent; a single script run cannot be cancelled once it is. */
  signal?: AbortSignal;
}

export interface TransitionResult<D extends MachineDefinition = MachineDefinition> {
  readonly id: string;
  readonly event: EventOf<D> | typeof CREATE_EVENT;
  /** null for create(). */
  readonly from: StateOf<D> | null;
  readonly to: StateOf<D>;
  /** The version this transition produced (create() produces 1). */
  readonly version: number;
  /** When it was applied, ms since the epoch, from the clock of the caller that applied it. */
  readonly at: number;
  readonly requestId: string;
  /** True when this request id had already been applied: this is the first run's outcome, not applied again. */
  readonly replayed: boolean;
}

export type HistoryEntry<D extends MachineDefinition = MachineDefinition> = Omit<TransitionResult<D>, 'replayed'>;

export interface Snapshot<D extends MachineDefinition = MachineDefinition> {
  readonly id: string;
  readonly state: StateOf<D>;
  readonly version: number;
  readonly updatedAt: number;
}

export interface Workflow<D extends MachineDefinition = MachineDefinition> {
  readonly name: string;
  readonly machine: Machine<D>;
  /** Creates instance `id` in the machine's initial state (version 1); IllegalTransitionError if it exists. */
  create(id: string, options?: Omit<TransitionOptions, 'expectedVersion'>): Promise<TransitionResult<D>>;
  /** Applies `event` to `id` if the machine allows it in the current state; otherwise rejects and writes nothing. */
  transition(id: string, event: EventOf<D>, options?: TransitionOptions): Promise<TransitionResult<D>>;
  get(id: string): Promise<Snapshot<D> | undefined>;
  /** Every applied transition of `id`, oldest first (empty if it does not exist). */
  history(id: string): Promise<Array<HistoryEntry<D>>>;
}

/** A transition as the server decided it; the same shape from the script and from the Node-side variants. */
export type Outcome =
  | { kind: 'applied'; version: number; from: string; to: string; at: number; replayed: boolean }
  | { kind: 'illegal' | 'conflict'; state: string; version: number }
  | { kind: 'reused'; event: string; version: number };

/** One transition to decide: an event's row of the machine and the caller's request. */
export interface Request {
  readonly id: string;
  readonly event: string;
  /** Allowed from these states; "" = the instance does not exist yet (create). */
  readonly from: readonly string[];
  readonly to: string;
  readonly requestId: string;
  /** Undefined when the caller did not ask for a version check. */
  readonly expectedVersion: number | undefined;
  readonly now: number;
}

/** How one variant (the script, WATCH/MULTI, the naive round trips) reads, decides and writes. */
export type Apply = (context: Context, request: Request) => Promise<Outcome>;

/** What the operations work with, checked once. */
export interface Context {
  readonly redis: Redis;
  readonly name: string;
  readonly machine: Machine;
  readonly clock: Clock;
}

/** Where instance `id` of store `name` lives; one hash tag, so the three keys share a cluster slot. */
export function workflowKeys(name: string, id: string): { instance: string; history: string; requests: string } {
  const base = `${name}:{${id}}`;
  return { instance: base, history: `${base}:history`, requests: `${base}:requests` };
}

/** Checks the client and the options (at run time: callers without TypeScript pass anything); the WATCH and naive variants take the same. */
export function createContext(redis: Redis, options: { name: unknown; machine: unknown; clock?: unknown }): Context {
  check.kind(hasMethods(redis, 'evalsha', 'duplicate'), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.name', options.name);
  check.kind(isMachine(options.machine), 'options.machine', 'must be a machine from defineMachine()', options.machine);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  return { redis, name: options.name, machine: options.machine, clock: clock as Clock };
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** The rule the script applies, in Node, for the variants that read first and write later. */
export function decide(r: Request, current: { state: string; version: number }): Outcome | undefined {
  if (r.expectedVersion !== undefined && r.expectedVersion !== current.version) return { kind: 'conflict', ...current };
  if (!r.from.includes(current.state)) return { kind: 'illegal', ...current };
  return undefined; // allowed
}

/** The history entry a variant writes (the script writes the same JSON). */
export const historyEntry = (r: Request, from: string, version: number): string =>
  JSON.stringify({ version, event: r.event, from, to: r.to, requestId: r.requestId, at: String(r.now) });

/** A store whose transitions go through `apply`: arguments checked, outcome turned into a result or an error. */
export function workflowOn<D extends MachineDefinition>(context: Context, apply: Apply): Workflow<D> {
  const { machine, clock, redis, name } = context;
  const run = async (
    id: string,
    event: string,
    row: { from: readonly string[]; to: string },
    options: TransitionOptions,
  ): Promise<TransitionResult<D>> => {
    const { requestId = randomUUID(), expectedVersion, signal } = options;
    check.name('options.requestId', requestId);
    if (expectedVersion !== undefined) check.positiveInt('options.expectedVersion', expectedVersion);
    check.signal('options.signal', signal);
    const now = clock.now();
    check.that(Number.isSafeInteger(now) && now >= 0, 'clock.now()', 'must return a non-negative integer of ms', now);
    signal?.throwIfAborted();
    const request: Request = { id, event, from: row.from, to: row.to, requestId, expectedVersion, now };
    const outcome = await redisCall(`${machine.name} "${id}": ${event}`, () => apply(context, request));
    return settle(machine, request, outcome) as unknown as TransitionResult<D>;
  };
  return {
    name,
    machine: machine as unknown as Machine<D>,
    create(id, options = {}) {
      checkId(id);
      check.options('options', options);
      return run(id, CREATE_EVENT, { from: [''], to: machine.initial }, options);
    },
    transition(id, event, options = {}) {
      checkId(id);
      check.oneOf('event', event, machine.events);
      check.options('options', options);
      return run(id, event, machine.transitions[event]!, options);
    },
    async get(id) {
      checkId(id);
      const [state, version, updatedAt] = await redisCall(`${machine.name} "${id}": get`, () =>
        redis.hmget(workflowKeys(name, id).instance, 'state', 'version', 'updatedAt'),
      );
      if (state === null) return undefined;
      return { id, state: state as StateOf<D>, version: Number(version), updatedAt: Number(updatedAt) };
    },
    async history(id) {
      checkId(id);
      const raw = await redisCall(`${machine.name} "${id}": history`, () =>
        redis.lrange(workflowKeys(name, id).history, 0, -1),
      );
      return raw.map((json) => toEntry<D>(id, json));
    },
  };
}

function checkId(id: unknown): asserts id is string {
  check.name('id', id);
  check.that(!/[{}]/.test(id), 'id', 'must not contain "{" or "}" (the id is the keys\' hash tag)', id);
}

function toEntry<D extends MachineDefinition>(id: string, json: string): HistoryEntry<D> {
  const e = JSON.parse(json) as {
    version: number;
    event: string;
    from: string;
    to: string;
    requestId: string;
    at: string;
  };
  return {
    id,
    event: e.event as HistoryEntry<D>['event'],
    from: (e.from === '' ? null : e.from) as StateOf<D> | null,
    to: e.to as StateOf<D>,
    version: e.version,
    at: Number(e.at),
    requestId: e.requestId,
  };
}

/** The outcome as the caller sees it: a result, or the typed error of the rejection. */
function settle(machine: Machine, r: Request, outcome: Outcome): TransitionResult {
  const where = { machine: machine.name, id: r.id, event: r.event };
  switch (outcome.kind) {
    case 'applied':
      return {
        id: r.id,
        event: r.event,
        from: outcome.from === '' ? null : outcome.from,
        to: outcome.to,
        version: outcome.version,
        at: outcome.at,
        requestId: r.requestId,
        replayed: outcome.replayed,
      };
    case 'reused':
      throw new LuaWorkflowArgumentError(
        `options.requestId must name one transition: it already produced version ${outcome.version} of ` +
          `${machine.name} "${r.id}" with event "${outcome.event}", not "${r.event}" (got ${JSON.stringify(r.requestId)})`,
      );
    case 'conflict':
    case 'illegal':
      if (outcome.state === '' && r.event !== CREATE_EVENT)
        throw new WorkflowNotFoundError(machine.name, r.id, r.event);
      if (outcome.kind === 'conflict')
        throw new TransitionConflictError({ ...where, ...outcome, expectedVersion: r.expectedVersion! });
      throw new IllegalTransitionError({ ...where, ...outcome, allowedFrom: r.from.filter((s) => s !== '') });
  }
}
