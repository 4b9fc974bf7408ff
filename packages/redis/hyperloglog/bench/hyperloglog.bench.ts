// pnpm --filter poc-redis-hyperloglog bench
// 1. Facts at 10^4, 10^5 and 10^6 distinct items: MEMORY USAGE of the HyperLogLog key and of the
//    exact SET key holding the same items, the saving, and the HLL's relative error.
// 2. The error over many inputs: 20 independent sets of 10^5 items (different item names), so the
//    error is seen as a distribution, not one lucky or unlucky draw.
// 3. Throughput of adding new items: PFADD vs SADD, 100 new items per command, one caller. Same work
//    and same state for both: each sample starts from an empty key and sends the same
//    THROUGHPUT_COMMANDS batches of new items (so the SET does not grow from round to round while
//    the HLL stays 12 KiB); interleaved rounds (harness compareRounds). The SET is the baseline.
import { runMain } from '@poc/kit';
import { benchProfile, benchReport, compareRounds, redisNamespace, type RoundSample } from '@poc/harness';
import { HLL_STANDARD_ERROR, exactSet, hyperLogLog, relativeError } from '../src/index.ts';

const SIZES = [10_000, 100_000, 1_000_000];
const BATCH = 1_000;
const THROUGHPUT_BATCH = 100;
const THROUGHPUT_COMMANDS = benchProfile() === 'short' ? 100 : 2_000; // 200 000 new items per sample
const TRIALS = 20;
const TRIAL_SIZE = 100_000;
const ROUNDS = 9; // the 95% interval of the median ratio is then the 2nd to the 8th of the 9 per-round ratios
const itemName = (i: number): string => `visitor:${i}`;

runMain(async () => {
  const ns = await redisNamespace({ name: 'hllbench' });
  const redis = ns.client();
  const hll = hyperLogLog(redis, { batchSize: BATCH });
  const exact = exactSet(redis, { batchSize: BATCH });

  try {
    const persistence = (
      await Promise.all(
        ['appendonly', 'appendfsync', 'save'].map(async (name) => {
          const [, value] = (await redis.config('GET', name)) as [string, string];
          return `${name}=${value === '' ? '""' : value}`;
        }),
      )
    ).join(' ');
    const report = benchReport({
      parameters: {
        sizes: SIZES.join(', '),
        itemFormat: '"visitor:<n>" (9-14 bytes)',
        loadBatch: `${BATCH} items per PFADD/SADD, pipelined`,
        throughputBatch: `${THROUGHPUT_BATCH} new items per command`,
        throughputCommandsPerSample: `${THROUGHPUT_COMMANDS}, sequential, one caller, starting from an empty key`,
        redisPersistence: persistence,
        memory: 'MEMORY USAGE key SAMPLES 0',
        errorTrials: TRIALS,
        hllStandardError: `${(HLL_STANDARD_ERROR * 100).toFixed(2)}% (1.04/sqrt(16384))`,
      },
      services: ['redis'],
    });

    for (const n of SIZES) {
      const items = Array.from({ length: n }, (_, i) => itemName(i));
      await hll.add(`hll:${n}`, items);
      await exact.add(`set:${n}`, items);
      const estimate = await hll.count(`hll:${n}`);
      const truth = await exact.count(`set:${n}`);
      const hllBytes = await hll.memoryBytes(`hll:${n}`);
      const setBytes = await exact.memoryBytes(`set:${n}`);
      const saving = 1 - hllBytes / setBytes;
      const error = relativeError(estimate, truth);
      process.stderr.write(
        `  n=${n}: HLL ${hllBytes} B, SET ${setBytes} B, saving ${(saving * 100).toFixed(2)}%, estimate ${estimate} (error ${(error * 100).toFixed(3)}%)\n`,
      );
      const label = n.toLocaleString('en-US');
      report.add({
        id: `hll-bytes-${n}`,
        title: `HLL memory, ${label} distinct items`,
        value: hllBytes,
        unit: 'bytes',
      });
      report.add({
        id: `set-bytes-${n}`,
        title: `SET memory, ${label} distinct items`,
        value: setBytes,
        unit: 'bytes',
      });
      // A string, so the table shows 99.97% rather than rounding it to 100.0.
      report.add({
        id: `saving-${n}`,
        title: `Memory saved by the HLL, ${label} items`,
        value: `${(saving * 100).toFixed(2)}%`,
      });
      report.add({ id: `estimate-${n}`, title: `HLL estimate of ${label} distinct items`, value: estimate });
      report.add({
        id: `error-${n}`,
        title: `HLL relative error, ${label} items`,
        value: Number((error * 100).toFixed(3)),
        unit: '%',
      });
      await redis.unlink(`hll:${n}`, `set:${n}`);
    }

    const errors: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      await hll.add(
        'trial',
        Array.from({ length: TRIAL_SIZE }, (_, i) => `trial${t}:${itemName(i)}`),
      );
      errors.push(relativeError(await hll.count('trial'), TRIAL_SIZE));
      await redis.unlink('trial');
    }
    const meanError = errors.reduce((a, b) => a + b, 0) / TRIALS;
    const within1 = errors.filter((e) => e < 0.01).length;
    process.stderr.write(
      `  ${TRIALS} trials of ${TRIAL_SIZE}: mean |error| ${(meanError * 100).toFixed(3)}%, max ${(Math.max(...errors) * 100).toFixed(3)}%\n`,
    );
    report.add({
      id: 'trials-mean-error',
      title: `Mean relative error over ${TRIALS} independent sets of 100,000 items`,
      value: Number((meanError * 100).toFixed(3)),
      unit: '%',
    });
    report.add({
      id: 'trials-max-error',
      title: `Largest relative error in those ${TRIALS} sets`,
      value: Number((Math.max(...errors) * 100).toFixed(3)),
      unit: '%',
    });
    report.add({ id: 'trials-within-1pct', title: `Sets counted within 1% (of ${TRIALS})`, value: within1 });

    // Items 10 000 000 and up: none of them is in any key yet. Every sample adds the same items.
    const batches = Array.from({ length: THROUGHPUT_COMMANDS }, (_, c) =>
      Array.from({ length: THROUGHPUT_BATCH }, (_, i) => itemName(10_000_000 + c * THROUGHPUT_BATCH + i)),
    );
    // A failed command rejects and fails the bench: there is no partial result to count.
    const addAll = async (key: string, add: (items: string[]) => Promise<number>): Promise<RoundSample> => {
      await redis.unlink(key);
      const t0 = performance.now();
      for (const items of batches) await add(items);
      const seconds = (performance.now() - t0) / 1_000;
      await redis.unlink(key);
      return { ops: batches.length, seconds };
    };
    const variants = {
      sadd: () => addAll('tp:set', (items) => redis.sadd('tp:set', ...items)),
      pfadd: () => addAll('tp:hll', (items) => redis.pfadd('tp:hll', ...items)),
    };
    await variants.sadd(); // the same untimed warm-up for both
    await variants.pfadd();
    const throughput = await compareRounds({
      id: 'add-throughput',
      title: `Adding ${THROUGHPUT_BATCH} new items per command, one caller, ${THROUGHPUT_COMMANDS} commands from an empty key`,
      variants,
      rounds: ROUNDS,
      unit: 'commands/s',
    });
    report.add(throughput);

    await report.finish(
      'At 1,000,000 distinct items the HyperLogLog took {fact:hll-bytes-1000000} against {fact:set-bytes-1000000} for the exact SET ' +
        '({fact:saving-1000000} less) with {fact:error-1000000} error; at 10,000 items {fact:hll-bytes-10000} vs {fact:set-bytes-10000} ' +
        '({fact:saving-10000} less, {fact:error-10000} error); over {param:errorTrials} sets of 100,000 items the mean error was ' +
        '{fact:trials-mean-error} ({fact:trials-within-1pct} of {param:errorTrials} within 1%); PFADD ÷ SADD throughput = {ratio:add-throughput/pfadd}.',
    );
  } finally {
    await ns.close();
  }
});
