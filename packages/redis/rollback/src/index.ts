// The public API of poc-redis-rollback: a saga whose steps each write their undo-log entry in the same
// Lua script, the step kinds it knows, and its errors. The naive variant is behind the subpath
// 'poc-redis-rollback/naive'.
export {
  saga,
  sagaKeys,
  type Saga,
  type SagaOptions,
  type RunOptions,
  type SagaOutcome,
  type RecoveredSaga,
  type SagaRecord,
  type SagaState,
  type StepEvent,
} from './saga.ts';
export { claim, debit, insert, STEP_KINDS, type Step, type StepKind } from './steps.ts';
export {
  RollbackError,
  RollbackArgumentError,
  RollbackServiceError,
  SagaBusyError,
  SagaLostError,
  UndoLogMismatchError,
  isRollbackError,
  type AnyRollbackError,
  type RollbackErrorCode,
} from './errors.ts';
