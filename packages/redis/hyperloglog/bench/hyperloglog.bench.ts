// pnpm --filter poc-redis-hyperloglog bench
// 1. Facts at 10^4, 10^5 and 10^6 distinct items: MEMORY USAGE of the HyperLogLog key and of the
//    exact SET key holding the same items, the saving, and the HLL's relative error.
// 2. The error over many inputs: 20 independent sets of 10^5 items (different item names), so the
//    error is seen as a distribution, not one lucky or unlucky draw.
// 3. Throughput of adding new items: PFADD vs SADD, 100 new items per command (sequential,
//    compareThroughput). The SET is the baseline of the ratio.
import { runMain } from '@poc/kit';
import { benchReport, compareThroughput, redisNamespace } from '@poc/harness';
import { HLL_STANDARD_ERROR, exactSet, hyperLogLog, relativeError } from '../src/index.ts';

const SIZES = [10_000, 100_000, 1_000_000];
const BATCH = 1_000;
const THROUGHPUT_BATCH = 100;
const itemName = (i: number): string => `visitor:${i}`;

runMain(async () => {
  const ns = await redisNamespace({ name: 'hllbench' });
  const redis = ns.client();
  const hll = hyperLogLog(redis, { batchSize: BATCH });
  const exact = exactSet(redis, { batchSize: BATCH });

  try {
    const report = benchReport({
      parameters: {
        sizes: SIZES.join(', '),
        itemFormat: '"visitor:<n>" (9-14 bytes)',
        loadBatch: `${BATCH} items per PFADD/SADD, pipelined`,
        throughputBatch: `${THROUGHPUT_BATCH} new items per command`,
        memory: 'MEMORY USAGE key SAMPLES 0',
        hllStandardError: `${(HLL_STANDARD_ERROR * 100).toFixed(2)}% (1.04/sqrt(16384))`,
      },
      services: ['redis'],
    });

    const summary: Array<{ n: number; hllBytes: number; setBytes: number; saving: number; error: number }> = [];
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
      summary.push({ n, hllBytes, setBytes, saving, error });
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

    const TRIALS = 20;
    const TRIAL_SIZE = 100_000;
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

    let next = 0;
    const batch = (): string[] => Array.from({ length: THROUGHPUT_BATCH }, () => itemName(10_000_000 + next++));
    const throughput = await compareThroughput({
      id: 'add-throughput',
      title: `Adding ${THROUGHPUT_BATCH} new items per command, one caller`,
      variants: {
        sadd: () => redis.sadd('tp:set', ...batch()),
        pfadd: () => redis.pfadd('tp:hll', ...batch()),
      },
      rounds: 5,
      timeMs: 1_000,
    });
    report.add(throughput);

    const big = summary.at(-1)!;
    const small = summary[0]!;
    const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
    const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
    const pct = (x: number, d = 2): string => `${(x * 100).toFixed(d)}%`;
    await report.finish(
      `At 1,000,000 distinct items the HyperLogLog took ${kb(big.hllBytes)} against ${mb(big.setBytes)} for the exact SET (${pct(big.saving)} less) ` +
        `with ${pct(big.error)} error; at 10,000 items ${kb(small.hllBytes)} vs ${kb(small.setBytes)} (${pct(small.saving, 1)} less, ${pct(small.error)} error); ` +
        `over ${TRIALS} sets of 100,000 items the mean error was ${pct(meanError)} (${within1} of ${TRIALS} within 1%); ` +
        `PFADD ÷ SADD throughput = ${throughput.ratios[0]!.median.toFixed(2)}x.`,
    );
  } finally {
    await ns.close();
  }
});
