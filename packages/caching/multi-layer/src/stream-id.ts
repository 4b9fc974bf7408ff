// Redis stream ids are "<ms>-<seq>": compared as two integers, never as strings ("9-0" < "10-0").
export type StreamId = string;

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareIds(a: StreamId, b: StreamId): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}
