// Keeping withLock's lease alive, and telling the work when it is gone. The lease ends at lock.validUntil
// on the holder's clock (counted from when the acquisition or the last confirmed extension was sent);
// Redis expires the key no earlier, since it counts the TTL from when the command arrived. So if the
// holder hears "lost" by validUntil, it hears it before Redis can let another owner in.
import type { Clock } from '@poc/kit';
import { LockLostError } from './errors.ts';
import type { Lock } from './lock.ts';

type Extension =
  | { kind: 'extended' }
  | { kind: 'lost'; error: LockLostError }
  /** Redis failed, but the lease may still be running: the next check decides. */
  | { kind: 'failed'; error: Error };

const lostError = (lock: Lock, why: string, cause?: unknown): LockLostError =>
  new LockLostError(`lock "${lock.name}" was lost: ${why}`, cause === undefined ? undefined : { cause });

/** One extension, raced against the end of the current lease (an extension that hangs must not outlive it). */
async function extendOnce(lock: Lock, clock: Clock): Promise<Extension> {
  let cancelLeaseEnd = (): void => {};
  const leaseEnd = new Promise<'lease ended'>((resolve) => {
    cancelLeaseEnd = clock.schedule(() => resolve('lease ended'), Math.max(0, lock.validUntil - clock.now()));
  });
  const outcome = await Promise.race([
    lock.extend().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
    leaseEnd,
  ]);
  cancelLeaseEnd();
  if (outcome === true) return { kind: 'extended' };
  if (outcome === false)
    return { kind: 'lost', error: lostError(lock, 'an extension found it expired or held by another owner') };
  if (outcome === 'lease ended')
    return { kind: 'lost', error: lostError(lock, 'its lease ran out before Redis confirmed an extension') };
  return { kind: 'failed', error: outcome };
}

/**
 * Keeps the lease alive and calls `onLost` once if the lock is lost. The next check comes after `everyMs`
 * or at the lease's end, whichever is sooner; a check at or past `validUntil` sends nothing and reports
 * the lock lost. So after failed extensions the holder hears at `validUntil` that its lease is over —
 * the key expires in Redis no earlier, so before another owner can take it — not an interval later.
 * Checked right away too: a lease that ran out while the acquisition's reply travelled is lost before
 * the work starts. Returns stop(), which cancels the next check and waits for an extension in flight
 * (so it cannot race the release).
 */
export function keepAlive(
  lock: Lock,
  everyMs: number,
  clock: Clock,
  onLost: (e: LockLostError) => void,
): () => Promise<void> {
  let stopped = false;
  let lastFailure: Error | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let cancel = (): void => {};
  const check = (): void => {
    if (clock.now() >= lock.validUntil) {
      onLost(
        lastFailure
          ? lostError(lock, `its lease ran out while extensions failed (${lastFailure.message})`, lastFailure)
          : lostError(lock, 'its lease ran out before Redis confirmed an extension'),
      );
      return;
    }
    inFlight = extendOnce(lock, clock).then((extension) => {
      if (extension.kind === 'lost') {
        onLost(extension.error); // even after stop: the lock was lost while the work ran
        return;
      }
      lastFailure = extension.kind === 'failed' ? extension.error : undefined;
      if (!stopped) next();
    });
  };
  const next = (): void => {
    const left = lock.validUntil - clock.now();
    if (left <= 0) check();
    else cancel = clock.schedule(check, Math.min(everyMs, left));
  };
  if (clock.now() >= lock.validUntil) onLost(lostError(lock, 'its lease ran out before the work could start'));
  else next();
  return async () => {
    stopped = true;
    cancel();
    await inFlight;
  };
}
