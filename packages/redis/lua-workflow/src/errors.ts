// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells "that event is not allowed now" from "someone changed it first" from "Redis is down" with
// one guard, `isLuaWorkflowError(e, 'conflict')`, and reads the state and event from the error's fields.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type LuaWorkflowErrorCode = 'argument' | 'service' | 'illegal' | 'conflict' | 'not-found';

/** Base of every error this package throws: `isLuaWorkflowError(e, code?)` tells them apart. */
export abstract class LuaWorkflowError extends PocError {
  readonly scope = 'poc-redis-lua-workflow';
  abstract override readonly code: LuaWorkflowErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LuaWorkflowArgumentError extends LuaWorkflowError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class LuaWorkflowServiceError extends LuaWorkflowError {
  readonly code = 'service';
}

/** Where a rejected transition found the instance. */
export interface Rejection {
  /** The machine's name for an instance ("order") and the instance's id. */
  readonly machine: string;
  readonly id: string;
  /** The event the caller asked for. */
  readonly event: string;
  /** The instance's state and version when the server rejected the event. */
  readonly state: string;
  readonly version: number;
}

/** The event is not allowed in the instance's current state: nothing was written. */
export class IllegalTransitionError extends LuaWorkflowError implements Rejection {
  readonly code = 'illegal';
  readonly machine: string;
  readonly id: string;
  readonly event: string;
  readonly state: string;
  readonly version: number;
  /** The states the event is allowed from (none for create: only an instance that does not exist yet). */
  readonly allowedFrom: readonly string[];
  constructor(r: Rejection & { allowedFrom: readonly string[] }) {
    super(
      `${r.machine} "${r.id}": event "${r.event}" is not allowed in state "${r.state}" (version ${r.version}; ` +
        (r.allowedFrom.length > 0
          ? `allowed from ${r.allowedFrom.map((s) => `"${s}"`).join(', ')})`
          : 'allowed only before it exists)'),
    );
    this.machine = r.machine;
    this.id = r.id;
    this.event = r.event;
    this.state = r.state;
    this.version = r.version;
    this.allowedFrom = r.allowedFrom;
  }
}

/**
 * The caller's expectedVersion is no longer the instance's version: another transition was applied
 * first (the losers of a race get this). Nothing was written.
 */
export class TransitionConflictError extends LuaWorkflowError implements Rejection {
  readonly code = 'conflict';
  readonly machine: string;
  readonly id: string;
  readonly event: string;
  readonly state: string;
  readonly version: number;
  readonly expectedVersion: number;
  constructor(r: Rejection & { expectedVersion: number }) {
    super(
      `${r.machine} "${r.id}": event "${r.event}" expected version ${r.expectedVersion}, ` +
        `but it is at version ${r.version} in state "${r.state}" (changed by another transition)`,
    );
    this.machine = r.machine;
    this.id = r.id;
    this.event = r.event;
    this.state = r.state;
    this.version = r.version;
    this.expectedVersion = r.expectedVersion;
  }
}

/** A transition named an instance that was never created. */
export class WorkflowNotFoundError extends LuaWorkflowError {
  readonly code = 'not-found';
  readonly machine: string;
  readonly id: string;
  readonly event: string;
  constructor(machine: string, id: string, event: string) {
    super(`${machine} "${id}" does not exist (event "${event}")`);
    this.machine = machine;
    this.id = id;
    this.event = event;
  }
}

export type AnyLuaWorkflowError =
  | LuaWorkflowArgumentError
  | LuaWorkflowServiceError
  | IllegalTransitionError
  | TransitionConflictError
  | WorkflowNotFoundError;

/** The one guard: `isLuaWorkflowError(e, code?)`; given a code, it narrows to that error's class. */
export const isLuaWorkflowError = errorGuard<AnyLuaWorkflowError>('poc-redis-lua-workflow');

/** Argument checks that throw LuaWorkflowArgumentError: `check.positiveInt('options.expectedVersion', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LuaWorkflowArgumentError(p.message));

/** Runs one redis call; a client failure becomes a LuaWorkflowServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LuaWorkflowServiceError(message, { cause }));
