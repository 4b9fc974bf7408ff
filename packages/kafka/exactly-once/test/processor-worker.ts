// A process running one or more processors, for the crash tests, the demo and the bench (test support,
// not part of the library):
//   test/processor-worker.ts <mode> <batchSize> <variant>:<input>:<output>:<groupId> [...]
//   variant: exactly-once | at-least-once | unfenced
//   mode:    run          process until killed
//            stall:<k>    each processor commits k chunks, then stops dead in the next one, after its
//                         outputs were acknowledged and before its offsets are committed (the crash window)
//            freeze:<k>   the same, but it goes on (commits) when SIGCONT arrives: a zombie, once thawed
// Prints "started", then per processor "committed <variant> <partition> <first>..<next>" after each
// commit, "crash-point <variant> <inputs>" at the stall, "error <variant> <code> <message>" for every
// failed chunk. Brokers from POC_KAFKA_BROKERS.
import { kafkaClient } from '@poc/harness';
import { logLevel, type Kafka } from 'kafkajs';
import { exactlyOnceProcessor, type Processor, type ProcessorOptions } from '../src/index.ts';
import { atLeastOnceProcessor, unfencedTransactionalProcessor } from '../src/naive.ts';
import { FAST_GROUP, echo } from './helpers.ts';

const [mode, batchSize, ...specs] = process.argv.slice(2) as [string, string, ...string[]];
const factories: Record<string, (kafka: Kafka, options: ProcessorOptions) => Processor> = {
  'exactly-once': exactlyOnceProcessor,
  'at-least-once': atLeastOnceProcessor,
  unfenced: unfencedTransactionalProcessor,
};
const [kind, k] = mode.split(':') as [string, string | undefined];
const stallAt = kind === 'run' ? -1 : Number(k);

const kafka = kafkaClient(process.env.POC_KAFKA_BROKERS!, {
  logLevel: process.env.POC_WORKER_LOG ? logLevel.WARN : logLevel.NOTHING,
  retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 },
});
const processors = specs.map((spec) => {
  const [variant, input, output, groupId] = spec.split(':') as [string, string, string, string];
  let chunks = 0;
  return factories[variant]!(kafka, {
    groupId,
    input,
    output,
    transform: echo,
    batchSize: Number(batchSize),
    consumer: FAST_GROUP,
    onProduced: async (chunk) => {
      if (chunks++ !== stallAt) return; // once, in the (k+1)-th chunk
      console.log(`crash-point ${variant} ${chunk.inputs}`);
      // stall: wait for SIGKILL; freeze: the test SIGSTOPs the process now and SIGCONTs it later
      await new Promise<void>((resolve) => {
        if (kind === 'freeze') process.once('SIGCONT', () => resolve());
      });
      console.log(`thawed ${variant}`);
    },
    onCommit: (c) => console.log(`committed ${variant} ${c.partition} ${c.firstOffset}..${c.nextOffset}`),
    onError: (e) => console.log(`error ${variant} ${e.code} ${e.message}`),
    onCrash: (c) => console.log(`crash ${variant} restart=${c.restart} ${c.error.message}`),
  });
});
await Promise.all(processors.map((p) => p.start()));
console.log('started');
