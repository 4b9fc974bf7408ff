// The naive version: what people write first. Read the state (HMGET), check the event in Node, write
// the new state and a history entry. Between the read and the write other callers read too, see the
// same state and are all allowed: two conflicting events ("ship" and "cancel") both "succeed", each
// caller is told its event was applied, and the history records both at the same version. No request
// ids either. Kept to show that failure (tests, bench, README "Break it"); imported from
// 'poc-redis-lua-workflow/naive', not the package index. Do not use.
import type { Redis } from 'ioredis';
import {
  createContext,
  decide,
  historyEntry,
  workflowKeys,
  workflowOn,
  type Apply,
  type WorkflowOptions,
  type Workflow,
} from './store.ts';
import type { MachineDefinition } from './machine.ts';

export function naiveWorkflow<D extends MachineDefinition>(redis: Redis, options: WorkflowOptions<D>): Workflow<D> {
  return workflowOn<D>(createContext(redis, options), applyNaively);
}

const applyNaively: Apply = async ({ redis, name }, r) => {
  const k = workflowKeys(name, r.id);
  const [state, version] = await redis.hmget(k.instance, 'state', 'version'); // <- everyone reading before the first write sees the same state
  const current = { state: state ?? '', version: Number(version ?? '0') };
  const rejected = decide(r, current);
  if (rejected) return rejected;
  const next = current.version + 1;
  await redis.hset(k.instance, 'state', r.to, 'version', next, 'updatedAt', r.now);
  await redis.rpush(k.history, historyEntry(r, current.state, next));
  return { kind: 'applied', version: next, from: current.state, to: r.to, at: r.now, replayed: false };
};
