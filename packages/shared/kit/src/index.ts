export { PocError, errorGuard, isPocError, serviceCall, type CodeOf, type ErrorGuard } from './errors.ts';
export { argumentChecks, describeValue, describeKind, type ArgumentChecks, type ArgumentProblem } from './arguments.ts';
export { systemClock, skewedClock, ManualClock, type Clock } from './clock.ts';
export { runMain, formatError } from './main.ts';
export { compose, execute, type Operation, type Policy } from './policy.ts';
