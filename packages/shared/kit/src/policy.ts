// The one shape every resilience policy in this repo shares, so they compose like functions:
//
//   const call = timeout(500)(retry({ attempts: 3 })(breaker(fetchUser)));
//   const same = compose(timeout(500), retry({ attempts: 3 }), breaker)(fetchUser);
//   await call(signal);
//
// An Operation is one call to a dependency that honours its AbortSignal. A Policy wraps an operation and
// returns another; stateful policies (a breaker, a bulkhead, a retry budget) keep their state in the
// policy object, shared by every operation they wrap. The first policy given to compose() is the
// outermost, as in the nested form.

/** One call to a dependency; it must stop (or at least stop waiting) when `signal` aborts. */
export type Operation<T> = (signal: AbortSignal) => Promise<T>;

/** Wraps an operation in a behaviour (timeout, retry, breaker, bulkhead...). */
export type Policy = <T>(operation: Operation<T>) => Operation<T>;

/** compose(a, b, c)(op) is a(b(c(op))): the first policy is the outermost. compose() is the identity. */
export function compose(...policies: Policy[]): Policy {
  for (const [i, p] of policies.entries()) {
    if (typeof p !== 'function') throw new TypeError(`compose: policy ${i} is not a function (got ${typeof p})`);
  }
  return <T>(operation: Operation<T>): Operation<T> => policies.reduceRight((op, policy) => policy(op), operation);
}

const never = new AbortController().signal;

/** Runs an operation with `signal`, or with a signal that never aborts when none is given. */
export function execute<T>(operation: Operation<T>, signal?: AbortSignal): Promise<T> {
  return operation(signal ?? never);
}
