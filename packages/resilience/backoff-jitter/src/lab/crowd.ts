// The workload of the bench and the demo: `clients` callers start together, each must enter the
// critical section once through its own retry loop; measured are the calls that reached the server
// and the time until the last one got in (or gave up).
import type { Operation } from '@poc/kit';
import type { CriticalSection } from './critical-section.ts';

/** One client's way in: wraps the attempt in a retry strategy (the POC's, a naive loop, a library's). */
export type Contender = (attempt: Operation<void>, signal: AbortSignal) => Promise<void>;

export interface CrowdResult {
  clients: number;
  /** Attempts that reached the server, busy ones included. */
  calls: number;
  /** Clients that gave up (attempts exhausted or an error that is not "busy"). */
  failed: number;
  /** From the start until every client entered or gave up, in ms. */
  ms: number;
}

export async function runCrowd(section: CriticalSection, clients: number, contender: Contender): Promise<CrowdResult> {
  await section.reset();
  const t0 = performance.now();
  const outcomes = await Promise.allSettled(
    // A signal per client, as each caller has its own deadline (and 100 sleeps on one signal trip Node's listener warning).
    Array.from({ length: clients }, (_, i) => contender(section.attempt(`client-${i}`), new AbortController().signal)),
  );
  const ms = performance.now() - t0;
  const done = await section.done();
  const failed = outcomes.filter((o) => o.status === 'rejected').length;
  if (done.length !== clients - failed)
    throw new Error(`${done.length} entries recorded for ${clients - failed} clients that succeeded`);
  return { clients, calls: section.calls(), failed, ms };
}
