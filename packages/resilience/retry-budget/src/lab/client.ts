// The client side of the lab: one GET /work as a kit Operation. A 5xx answer or a failed connection
// becomes ServiceUnavailableError (the failure worth retrying); the caller's signal aborts the request.
import type { Operation } from '@poc/kit';
import { ServiceUnavailableError } from '../errors.ts';

export function workCall(baseUrl: string): Operation<unknown> & { calls: () => number } {
  let calls = 0;
  const op = async (signal: AbortSignal): Promise<unknown> => {
    calls++;
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/work`, { signal });
    } catch (cause) {
      if (signal.aborted) throw signal.reason;
      throw new ServiceUnavailableError(`GET ${baseUrl}/work failed: ${(cause as Error).message}`, 0, { cause });
    }
    const body: unknown = await res.json();
    if (res.status >= 500) throw new ServiceUnavailableError(`GET ${baseUrl}/work answered ${res.status}`, res.status);
    return body;
  };
  return Object.assign(op, { calls: () => calls });
}
