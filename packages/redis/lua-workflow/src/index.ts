// The public API of poc-redis-lua-workflow: a machine as data (defineMachine, and the README's order),
// a store whose transitions are one Lua script each (luaWorkflow), and its errors. Nothing connects at
// import. The WATCH/MULTI variant is behind 'poc-redis-lua-workflow/watch', the naive one behind '/naive'.
export {
  defineMachine,
  orderMachine,
  type OrderDefinition,
  type Machine,
  type MachineDefinition,
  type EventOf,
  type StateOf,
} from './machine.ts';
export { luaWorkflow } from './lua-workflow.ts';
export {
  workflowKeys,
  type Workflow,
  type WorkflowOptions,
  type TransitionOptions,
  type TransitionResult,
  type HistoryEntry,
  type Snapshot,
} from './store.ts';
export {
  LuaWorkflowError,
  LuaWorkflowArgumentError,
  LuaWorkflowServiceError,
  IllegalTransitionError,
  TransitionConflictError,
  WorkflowNotFoundError,
  isLuaWorkflowError,
  type Rejection,
  type AnyLuaWorkflowError,
  type LuaWorkflowErrorCode,
} from './errors.ts';
