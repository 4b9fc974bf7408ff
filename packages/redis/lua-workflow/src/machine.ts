// A state machine as data: an initial state and, per event, the states it may leave from and the state
// it leads to. The definition is checked once here; the workflows send an event's row to Redis with each
// call, and one Lua script (src/lua/transition-3.lua) checks it against the stored state.
import { check } from './errors.ts';

/** What a machine is written as: `{ name, initial, transitions: { pay: { from: ['created'], to: 'paid' } } }`. */
export interface MachineDefinition {
  /** What one instance is called in messages ("order"). */
  readonly name: string;
  /** The state `create()` puts a new instance in. */
  readonly initial: string;
  /** Event name → the states it is allowed from, and the state it leads to. */
  readonly transitions: Readonly<Record<string, { readonly from: readonly string[]; readonly to: string }>>;
}

export type EventOf<D extends MachineDefinition> = Extract<keyof D['transitions'], string>;
export type StateOf<D extends MachineDefinition> =
  D['initial'] | D['transitions'][EventOf<D>]['from'][number] | D['transitions'][EventOf<D>]['to'];

/** The event name history records for create(); no machine may define an event of that name. */
export const CREATE_EVENT = 'create';

const MACHINE = Symbol.for('poc-redis-lua-workflow.machine');

/** A checked definition, frozen, with what the workflows need precomputed. */
export interface Machine<D extends MachineDefinition = MachineDefinition> {
  readonly name: string;
  readonly initial: StateOf<D>;
  readonly events: readonly EventOf<D>[];
  readonly states: readonly StateOf<D>[];
  /** States no event leaves: an instance there never changes again. */
  readonly finalStates: readonly StateOf<D>[];
  readonly transitions: D['transitions'];
  /** Whether `event` is allowed in `state` (the same rule the script applies). */
  can(state: string, event: string): boolean;
}

/** Checks a definition and returns it as a Machine; an ArgumentError names the first broken rule. */
export function defineMachine<const D extends MachineDefinition>(definition: D): Machine<D> {
  check.kind(typeof definition === 'object' && definition !== null, 'definition', 'must be an object', definition);
  check.name('definition.name', definition.name);
  check.name('definition.initial', definition.initial);
  const transitions = definition.transitions;
  check.kind(
    typeof transitions === 'object' && transitions !== null && !Array.isArray(transitions),
    'definition.transitions',
    'must be an object of events',
    transitions,
  );
  const events = Object.keys(transitions);
  check.that(events.length > 0, 'definition.transitions', 'must define at least one event', events.length);
  const states = new Set<string>([definition.initial]);
  for (const event of events) {
    check.that(
      event !== CREATE_EVENT,
      'definition.transitions',
      `must not define "${CREATE_EVENT}" (create() records that event)`,
      event,
    );
    const row = transitions[event]!;
    check.kind(typeof row === 'object' && row !== null, `definition.transitions.${event}`, 'must be { from, to }', row);
    check.kind(
      Array.isArray(row.from) && row.from.length > 0,
      `definition.transitions.${event}.from`,
      'must be a non-empty array of states',
      row.from,
    );
    row.from.forEach((s, i) => check.name(`definition.transitions.${event}.from[${i}]`, s));
    check.name(`definition.transitions.${event}.to`, row.to);
    for (const s of [...row.from, row.to]) states.add(s);
  }
  const leaves = new Set(events.flatMap((e) => transitions[e]!.from));
  const frozen = Object.freeze(
    Object.fromEntries(
      events.map((e) => [e, Object.freeze({ from: Object.freeze([...transitions[e]!.from]), to: transitions[e]!.to })]),
    ),
  ) as D['transitions'];
  const machine: Machine<D> = {
    name: definition.name,
    initial: definition.initial as StateOf<D>,
    events: Object.freeze(events) as readonly EventOf<D>[],
    states: Object.freeze([...states]) as readonly StateOf<D>[],
    finalStates: Object.freeze([...states].filter((s) => !leaves.has(s))) as readonly StateOf<D>[],
    transitions: frozen,
    can: (state, event) => Object.hasOwn(frozen, event) && frozen[event]!.from.includes(state),
  };
  Object.defineProperty(machine, MACHINE, { value: true });
  return Object.freeze(machine);
}

/** True for what defineMachine() returned (in this or another copy of the package). */
export const isMachine = (value: unknown): value is Machine =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MACHINE] === true;

const orderDefinition = {
  name: 'order',
  initial: 'created',
  transitions: {
    pay: { from: ['created'], to: 'paid' },
    ship: { from: ['paid'], to: 'shipped' },
    cancel: { from: ['created', 'paid'], to: 'cancelled' },
  },
} as const;
export type OrderDefinition = typeof orderDefinition;

/** The order of the README: created → paid → shipped, and created or paid → cancelled. */
export const orderMachine: Machine<OrderDefinition> = defineMachine(orderDefinition);
