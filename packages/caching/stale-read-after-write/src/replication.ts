// How far behind a Redis replica is, measured on the servers rather than assumed: the replication
// offsets both sides report (INFO replication), and the time a fresh write on the primary takes to be
// readable on the replica.
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { check, redisCall } from './errors.ts';

const field = (info: string, name: string): string | undefined =>
  new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

export interface ReplicationState {
  /** Bytes of the replication stream the primary has produced. */
  primaryOffset: number;
  /** Bytes of it the replica has applied. */
  replicaOffset: number;
  /** Whether the replica's link to the primary is up. */
  linkUp: boolean;
}

/** Both offsets, read from the servers; the replica is caught up when they are equal. */
export async function replicationState(primary: Redis, replica: Redis): Promise<ReplicationState> {
  const [p, r] = await redisCall('reading INFO replication', () =>
    Promise.all([primary.info('replication'), replica.info('replication')]),
  );
  return {
    primaryOffset: Number(field(p, 'master_repl_offset') ?? NaN),
    replicaOffset: Number(field(r, 'slave_repl_offset') ?? NaN),
    linkUp: field(r, 'master_link_status') === 'up',
  };
}

/**
 * The lag of one write, in ms: a unique value is set on the primary, then the replica is read back to back
 * until it answers that value (the resolution is one round trip to the replica). `probeKey` is deleted after.
 */
export async function measureLagMs(
  primary: Redis,
  replica: Redis,
  probeKey: string,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  check.name('probeKey', probeKey);
  check.signal('options.signal', options.signal);
  const marker = randomUUID();
  const started = performance.now();
  await redisCall('writing the lag probe', () => primary.set(probeKey, marker, 'PX', 60_000));
  while ((await redisCall('reading the lag probe', () => replica.get(probeKey))) !== marker)
    options.signal?.throwIfAborted();
  const lag = performance.now() - started;
  await redisCall('deleting the lag probe', () => primary.del(probeKey));
  return lag;
}
