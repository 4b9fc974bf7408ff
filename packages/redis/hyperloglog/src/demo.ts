// pnpm --filter poc-redis-hyperloglog demo: unique visitors per day and per week, counted with a
// HyperLogLog and with an exact SET side by side on a real Redis.
import { runMain } from '@poc/kit';
import { redisNamespace, serverFor } from '@poc/harness';
import { HLL_STANDARD_ERROR, exactSet, hyperLogLog, relativeError } from './index.ts';

const say = (line = ''): void => console.log(line);
const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const pad = (s: string | number, n: number): string => String(s).padStart(n);

// Day d sees visitors d*10 000 .. d*10 000 + 29 999: 30 000 a day, 20 000 of them also came the day before.
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const visitorsOf = (d: number): string[] => Array.from({ length: 30_000 }, (_, i) => `visitor:${d * 10_000 + i}`);

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'hlldemo' }); // a fresh key prefix, deleted at the end
  const redis = ns.client();
  const hll = hyperLogLog(redis, { batchSize: 1_000 });
  const exact = exactSet(redis, { batchSize: 1_000 });
  try {
    say(`Redis HyperLogLog demo (Redis ${server.version}, ${server.provider})`);
    say(`standard error of a Redis HLL: 1.04 / sqrt(16384) = ${pct(HLL_STANDARD_ERROR)}`);

    say('\n1. Unique visitors per day (30 000 a day; 20 000 of them came the day before)');
    say(
      `   ${'day'.padEnd(4)} ${pad('exact', 7)} ${pad('HLL', 7)} ${pad('error', 7)} ${pad('SET', 10)} ${pad('HLL', 9)}`,
    );
    let sumOfDays = 0;
    for (const [d, day] of DAYS.entries()) {
      const items = visitorsOf(d);
      await hll.add(`hll:${day}`, items);
      await exact.add(`set:${day}`, items);
      const [estimate, truth] = [await hll.count(`hll:${day}`), await exact.count(`set:${day}`)];
      sumOfDays += estimate;
      const [setBytes, hllBytes] = [await exact.memoryBytes(`set:${day}`), await hll.memoryBytes(`hll:${day}`)];
      say(
        `   ${day.padEnd(4)} ${pad(truth, 7)} ${pad(estimate, 7)} ${pad(pct(relativeError(estimate, truth)), 7)} ${pad(kb(setBytes), 10)} ${pad(kb(hllBytes), 9)}`,
      );
    }

    say('\n2. The week: merge the days (PFMERGE / SUNIONSTORE), do not add them up');
    const week = await hll.merge(
      'hll:week',
      DAYS.map((d) => `hll:${d}`),
    );
    const weekExact = await exact.merge(
      'set:week',
      DAYS.map((d) => `set:${d}`),
    );
    say(`   exact union of the 7 days:        ${weekExact}`);
    say(`   PFMERGE of the 7 HLLs:            ${week} (error ${pct(relativeError(week, weekExact))})`);
    say(
      `   PFCOUNT of the 7 HLLs at once:    ${await hll.count(...DAYS.map((d) => `hll:${d}`))} (union on the fly, nothing stored)`,
    );
    say(
      `   sum of the daily counts (naive):  ${sumOfDays} (${pct(sumOfDays / weekExact - 1, 0)} too many: returning visitors counted once per day)`,
    );

    const [setWeek, hllWeek] = [await exact.memoryBytes('set:week'), await hll.memoryBytes('hll:week')];
    say(`\n3. Memory of the week key: SET ${kb(setWeek)}, HLL ${kb(hllWeek)} -> ${pct(1 - hllWeek / setWeek, 1)} less`);
    say('\ndone');
  } finally {
    await ns.close();
  }
});
