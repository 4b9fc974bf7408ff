// The naive versions, for the tests and the bench to compare against. Not exported from the main entry:
// import them from 'poc-kafka-partition-keys/naive'.
//
// The naive key needs no code of its own: it is keyBy() on a field with few values and one hot one
// (`keyBy('tenant', (o) => o.tenant)`), and the tests and the bench use exactly that. What breaks is the
// load: the hot value's partition does most of the work, and one consumer does it alone.
import type { Admin } from 'kafkajs';
import {
  addPartitions,
  expectedMovedFraction,
  growOptions,
  partitionCount,
  type GrowOptions,
  type GrowResult,
} from './partitions.ts';

/**
 * Adds partitions at once, as `kafka-topics --alter --partitions` or admin.createPartitions() does, with
 * messages still unread and producers writing. A key that moves has its new messages on a new partition
 * while its old ones wait on the old one: a consumer of the new partition can handle them first.
 */
export async function naiveGrowPartitions(admin: Admin, options: GrowOptions): Promise<GrowResult> {
  const { topic, count, clock, signal } = growOptions(admin, options);
  const from = await partitionCount(admin, topic);
  const started = clock.now();
  await addPartitions(admin, topic, from, count, clock, signal);
  return { topic, from, to: count, waitedMs: clock.now() - started, expectedMoved: expectedMovedFraction(from, count) };
}
