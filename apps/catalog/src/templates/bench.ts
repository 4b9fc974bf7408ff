// bench/<name>.bench.ts of a new POC: the claim as a ratio, naive vs pattern side by side in one process
// (compareLoad from @poc/harness), written to bench/results.json by benchReport. Both sides are called once
// before timing, so the bench throws until both are written.
import { Imports, call } from './layout.ts';
import type { Spec } from './spec.ts';

export function benchTs(spec: Spec): string {
  const imports = new Imports().value('@poc/harness', 'benchReport', 'compareLoad').value('@poc/kit', 'runMain');
  for (const c of spec.clients) imports.value('@poc/harness', c.namespace.create);
  imports.value('../src/index.ts', spec.factory).value('../src/naive.ts', spec.naive);
  const ns = spec.clients.map(
    (c) =>
      `  const ${c.namespace.variable} = await ${c.namespace.create}({ name: '${spec.prefix}_bench' }); // ${c.namespace.what}\n`,
  );
  const make = (prefix: string, fn: string, name: string): string =>
    call('    ', prefix, fn, [...spec.clients.map((c) => c.namespace.client), `{ name: '${name}' }`]);
  const body = `    const report = benchReport({
      // TODO: every parameter that shapes the figures, and the durability settings of every server.
      parameters: { concurrency: CONCURRENCY, durationMs: DURATION_MS, rounds: ROUNDS },
      services: [${spec.services.map((s) => `'${s}'`).join(', ')}],
    });
${make('const pattern = ', spec.factory, 'pattern')}
${make('const naive = ', spec.naive, 'naive')}
    // Both sides must work before they are timed (and, until they are written, this is where the bench stops).
    await pattern.run();
    await naive.run();

    const load = await compareLoad({
      id: 'load',
      title: \`TODO: one operation, \${CONCURRENCY} concurrent callers\`,
      variants: { pattern: () => pattern.run(), naive: () => naive.run() },
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(load);
    // The headline is computed from the stored figures: {ratio:load/naive} becomes "0.42x (0.40–0.45, 93.7% CI)",
    // or "no clear difference (...)" when the interval straddles 1.
    await report.finish('TODO: the claim, in words, as measured: naive ÷ pattern throughput = {ratio:load/naive}.');`;
  const close = spec.clients.map((c) => `    await ${c.namespace.variable}.close();\n`).join('');
  return `// pnpm --filter ${spec.pkg} bench: the claim as a ratio, naive vs pattern side by side in one
// process, with the same clients, warm-up and fresh state on both sides; writes bench/results.json (never
// edit it by hand; the README's "Measured" section is what \`pnpm poc ${spec.pkg} --measured\` prints).
// Benches run one at a time: this one waits for any bench of the repo already running.
${imports.render()}

const CONCURRENCY = 20;
const DURATION_MS = 2_000;
const ROUNDS = 5;

runMain(async () => {
${ns.join('')}${
    close
      ? `  try {
${body}
  } finally {
${close}  }`
      : body.replace(/^ {2}/gm, '')
  }
});
`;
}
