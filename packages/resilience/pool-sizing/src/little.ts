// Little's law, L = λW: the mean number of requests inside a system equals their arrival rate times the
// time each spends inside. For a pool, "inside" is "holding a connection", so λ (checkouts per second)
// times W (mean hold time) is the mean number of connections busy; a pool smaller than that queues
// without bound, and the headroom covers bursts above the mean.
import { check } from './errors.ts';

export interface LittleSizeOptions {
  /** Checkouts per second at the peak you size for. */
  arrivalRate: number;
  /** Mean time a checkout holds its connection, in ms (query time plus the round trip). */
  serviceTimeMs: number;
  /** Extra capacity as a fraction of L (0.25 = 25% more connections than the mean busy count). Default 0. */
  headroom?: number;
}

/** The pool size Little's law predicts: ceil(λ · W · (1 + headroom)), at least 1. */
export function littleSize(options: LittleSizeOptions): number {
  check.options('options', options);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { arrivalRate, serviceTimeMs, headroom = 0 } = options;
  check.positiveNumber('options.arrivalRate', arrivalRate);
  check.positiveNumber('options.serviceTimeMs', serviceTimeMs);
  check.numberIn('options.headroom', headroom, 0, 10);
  const busy = arrivalRate * (serviceTimeMs / 1000) * (1 + headroom);
  // A product like 8.000000000000002 means 8 connections, not 9.
  return Math.max(1, Math.ceil(busy - 1e-9));
}
