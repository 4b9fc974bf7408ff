// What people write first with KafkaJS: one producer.send() per message, awaited by its caller. It is
// correct (every message is acknowledged as `acks` says) but every message is a record batch and a
// produce request of its own: KafkaJS never merges separate send() calls, and has no linger.ms or
// batch.size to make it. Same options and interface as batchingProducer (batchBytes, lingerMs and
// maxInFlight are checked and then have nothing to act on), so tests and the bench compare like with like.
// Not exported from the main entry: import it from 'poc-kafka-performance/naive'.
import type { Producer } from 'kafkajs';
import {
  checkMessage,
  messageBytes,
  sendOnce,
  settings,
  type BatchingOptions,
  type BatchingProducer,
  type ProducerStats,
} from './batching.ts';
import { check } from './errors.ts';

export function naiveProducer(producer: Producer, options: BatchingOptions): BatchingProducer {
  const s = settings(producer, options);
  const stats: ProducerStats = { sends: 0, messages: 0, bytes: 0 };
  const inFlight = new Set<Promise<unknown>>();
  return {
    topic: s.topic,
    send(message, signal) {
      checkMessage(message);
      check.signal('signal', signal);
      if (signal?.aborted) return Promise.reject(signal.reason);
      stats.sends++;
      stats.messages++;
      stats.bytes += messageBytes(message);
      const sent = sendOnce(s, [message]).then(() => undefined);
      inFlight.add(sent);
      void sent.catch(() => undefined).finally(() => inFlight.delete(sent));
      return sent;
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
    stats: () => ({ ...stats }),
  };
}
