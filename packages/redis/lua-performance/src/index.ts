// The public API of poc-redis-lua-performance: the same N-step operation (N INCRBYs and a read) sent as one
// Lua script, as MULTI/EXEC and as a pipeline, behind one small interface. Nothing connects at import. The
// naive version (one round trip per step) is behind the subpath 'poc-redis-lua-performance/naive'.
export {
  luaSteps,
  multiSteps,
  pipelineSteps,
  DEFAULT_MAX_STEPS,
  type NStepOperation,
  type NStepOptions,
  type StepsResult,
  type Strategy,
} from './steps.ts';
export {
  LuaPerformanceError,
  LuaPerformanceArgumentError,
  LuaPerformanceServiceError,
  isLuaPerformanceError,
  type AnyLuaPerformanceError,
  type LuaPerformanceErrorCode,
} from './errors.ts';
