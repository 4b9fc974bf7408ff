// The pattern: a workflow store whose every transition is ONE run of src/lua/transition-3.lua. The
// script reads the state, checks the event's row of the machine (sent with the call) and records the
// new state, its version and a history entry, with nothing from another client in between: of two
// conflicting events exactly one is applied, and a request id makes a re-sent call a replay.
import type { Redis } from 'ioredis';
import type { MachineDefinition } from './machine.ts';
import { luaScript, runScript, type LuaScript } from './scripts.ts';
import {
  createContext,
  workflowKeys,
  workflowOn,
  type Apply,
  type Outcome,
  type Workflow,
  type WorkflowOptions,
} from './store.ts';

/** A store of instances of `options.machine`; each create() and transition() is one run of the script. */
export function luaWorkflow<D extends MachineDefinition>(redis: Redis, options: WorkflowOptions<D>): Workflow<D> {
  return workflowOn<D>(createContext(redis, options), applyWithScript);
}

let script: LuaScript | undefined;
const applyWithScript: Apply = async ({ redis, name }, r) => {
  script ??= luaScript('transition-3.lua');
  const k = workflowKeys(name, r.id);
  const args = [r.now, r.requestId, r.event, r.to, r.expectedVersion ?? '', ...r.from];
  const reply = await runScript(redis, script, [k.instance, k.history, k.requests], args);
  const [kind, ...f] = reply as [Outcome['kind'], ...Array<string | number>];
  switch (kind) {
    case 'applied':
      return {
        kind,
        version: Number(f[0]),
        from: String(f[1]),
        to: String(f[2]),
        at: Number(f[3]),
        replayed: f[4] === 1,
      };
    case 'reused':
      return { kind, event: String(f[0]), version: Number(f[1]) };
    default:
      return { kind, state: String(f[0]), version: Number(f[1]) };
  }
};
