// The bench runner: the repository's bench lock (queueing, stale locks), and `turbo run bench` as users
// type it, on a throwaway workspace of two tiny POCs with the short profile: the benches must run one
// after the other against one shared server, both write results, and the last prints the summary.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireBenchLock, currentHolder, type LockHolder } from '../src/bench/lock.ts';
import { isAlive } from '../src/bench/procfs.ts';
import { benchResultSchema, type BenchResultV2 } from '../src/bench/schema.ts';
import type { KeeperState, SessionState } from '../src/bench/session.ts';
import { eventually } from '../src/testing/eventually.ts';
import { spawnTsWorker } from '../src/testing/workers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const temps: string[] = [];
const temp = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('bench lock', () => {
  it('queues behind a live holder, says who holds it, and takes over once the holder is dead', async () => {
    const dir = temp('bench-lock-');
    const holder = spawnTsWorker(join(here, 'fixtures', 'bench-lock-holder.ts'), [dir, 'poc-holder']);
    await holder.waitForLine('locked');
    expect(currentHolder(dir)).toMatchObject({ pid: holder.process.pid, package: 'poc-holder' });

    const seen: LockHolder[] = [];
    let acquired = false;
    const waiting = acquireBenchLock({ dir, package: 'poc-waiter', onWait: (h) => void seen.push(h), pollMs: 50 }).then(
      (lock) => ((acquired = true), lock),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(acquired).toBe(false);
    expect(seen.map((h) => [h.pid, h.package])).toEqual([[holder.process.pid, 'poc-holder']]);

    // SIGKILL: no cleanup runs, the lock file stays behind with a dead pid, and is reclaimed.
    await holder.kill();
    expect(existsSync(join(dir, 'lock'))).toBe(true);
    const lock = await waiting;
    expect(currentHolder(dir)).toMatchObject({ pid: process.pid, package: 'poc-waiter' });
    lock.release();
    expect(currentHolder(dir)).toBeUndefined();
  });

  it('hands the lock over in arrival order', async () => {
    const dir = temp('bench-lock-');
    const first = await acquireBenchLock({ dir, package: 'a', pollMs: 20 });
    const order: string[] = [];
    const b = acquireBenchLock({ dir, package: 'b', pollMs: 20 }).then((l) => (order.push('b'), l));
    await new Promise((r) => setTimeout(r, 30));
    const c = acquireBenchLock({ dir, package: 'c', pollMs: 20 }).then((l) => (order.push('c'), l));
    await new Promise((r) => setTimeout(r, 100));
    first.release();
    (await b).release();
    (await c).release();
    expect(order).toEqual(['b', 'c']);
  });
});

/** A workspace of its own: the repo's turbo.json, the harness and tsx linked in, and two POCs. */
function fixtureWorkspace(): string {
  const root = temp('bench-turbo-');
  const write = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const rootPkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { packageManager: string };
  write(
    'package.json',
    JSON.stringify({ name: 'bench-fixture', private: true, packageManager: rootPkg.packageManager }),
  );
  write('pnpm-workspace.yaml', 'packages:\n  - packages/*/*\n');
  write('turbo.json', readFileSync(join(repo, 'turbo.json'), 'utf8'));
  write('.gitignore', 'node_modules/\n.turbo/\n');
  mkdirSync(join(root, 'node_modules', '@poc'), { recursive: true });
  symlinkSync(join(repo, 'packages', 'harness'), join(root, 'node_modules', '@poc', 'harness'));
  symlinkSync(realpathSync(join(repo, 'node_modules', 'tsx')), join(root, 'node_modules', 'tsx'));
  symlinkSync(realpathSync(join(repo, 'node_modules', 'turbo')), join(root, 'node_modules', 'turbo'));
  mkdirSync(join(root, 'node_modules', '.bin'));
  symlinkSync(join(repo, 'node_modules', '.bin', 'turbo'), join(root, 'node_modules', '.bin', 'turbo'));
  for (const [name, work] of [
    ['alpha', 0.05],
    ['beta', 0.1],
  ] as const) {
    const dir = `packages/fixture/${name}`;
    write(
      `${dir}/package.json`,
      JSON.stringify({
        name: `poc-fixture-${name}`,
        private: true,
        type: 'module',
        scripts: { bench: `node --import tsx bench/${name}.bench.ts` },
        poc: { services: ['redis'] },
      }),
    );
    write(`${dir}/src/index.ts`, `export const work = ${work};\n`);
    write(
      `${dir}/bench/${name}.bench.ts`,
      `import { benchReport, compareThroughput, redisClient, serverFor } from '@poc/harness';
import { work } from '../src/index.ts';

const spin = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin */
  }
};
const server = await serverFor('redis');
const client = redisClient(server.url);
await client.ping();
const report = benchReport({ parameters: { work }, services: ['redis'] });
report.add(
  await compareThroughput({
    id: 'spin',
    title: 'spin',
    variants: { slow: () => spin(work * 4), fast: () => spin(work) },
    progress: () => {},
  }),
);
report.add({ id: 'server', title: 'redis server', value: server.url });
await report.finish('fast ÷ slow = {ratio:spin/fast}');
client.disconnect();
`,
    );
  }
  // A committed result for alpha, so the summary has a "previous" to compare with.
  const old = {
    schemaVersion: 1,
    package: 'poc-fixture-alpha',
    date: '2026-01-01T00:00:00.000Z',
    command: 'pnpm --filter poc-fixture-alpha bench',
    machine: { cpuModel: 'CPU', cores: 2, memoryGiB: 4, os: 'Linux', node: 'v20' },
    services: {},
    parameters: {},
    comparisons: [
      {
        id: 'spin',
        title: 'spin',
        kind: 'throughput',
        baseline: 'slow',
        rounds: 3,
        variants: [
          { name: 'slow', opsPerSec: { median: 1, min: 1, max: 1, iqr: 0, samples: 3 }, errors: 0 },
          { name: 'fast', opsPerSec: { median: 2, min: 2, max: 2, iqr: 0, samples: 3 }, errors: 0 },
        ],
        ratios: [{ variant: 'fast', baseline: 'slow', median: 2, min: 2, max: 2 }],
      },
    ],
    measurements: [],
    facts: [],
    headline: 'fast ÷ slow = 2x',
  };
  write('packages/fixture/alpha/bench/results.json', JSON.stringify(old, null, 2));
  const git = (...args: string[]): void =>
    void execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], {
      cwd: root,
      stdio: 'ignore',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
  return root;
}

/** The environment a user's shell would have: no server handed down by this test run. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^POC_.*_(URL|BROKERS)$/.test(k) || /^POC_(SERVICES_SHARED|RUN_LEDGER|BENCH_)/.test(k)) continue;
    if (k.startsWith('npm_') || k.startsWith('VITEST') || k.startsWith('TURBO_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, POC_BENCH_PROFILE: 'short', POC_BENCH_SETTLE_MS: '0', POC_BENCH_SESSION_IDLE_MS: '30000' };
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('turbo run bench', () => {
  let root: string;
  let firstSession: string;

  it('runs the selected benches one at a time against one shared server, and prints one summary', async () => {
    root = fixtureWorkspace();
    const { code, output } = await run(join(repo, 'node_modules', '.bin', 'turbo'), ['run', 'bench'], root, userEnv());
    if (process.env.SHOW_BENCH_OUTPUT) console.log(output);
    expect(code, output).toBe(0);

    const results = ['alpha', 'beta'].map(
      (n) =>
        benchResultSchema.parse(
          JSON.parse(readFileSync(join(root, 'packages/fixture', n, 'bench/results.json'), 'utf8')),
        ) as BenchResultV2,
    );
    for (const r of results) {
      expect(r.schemaVersion).toBe(2);
      expect(r.run.profile).toBe('short');
      expect(r.run.servers).toEqual({ redis: 'session' });
      expect(r.run.lock).not.toBeNull();
      expect(r.run.git.dirty).toBe(false);
      expect(r.run.session?.of).toBe(2);
      expect(r.comparisons[0]!.ratios[0]!.values).toHaveLength(3);
    }
    // One session, both benches in it, on the same Redis started once for the run.
    const [a, b] = [...results].sort((x, y) => x.run.lock!.acquiredAt.localeCompare(y.run.lock!.acquiredAt));
    expect(a!.run.session!.id).toBe(b!.run.session!.id);
    expect([a!.run.session!.index, b!.run.session!.index]).toEqual([1, 2]);
    expect(a!.facts.find((f) => f.id === 'server')!.value).toBe(b!.facts.find((f) => f.id === 'server')!.value);
    // One after the other: the second took the lock after the first had finished measuring...
    expect(Date.parse(a!.run.finishedAt)).toBeLessThanOrEqual(Date.parse(b!.run.lock!.acquiredAt));
    // ...and after the first process had released it (the session records both lock holds).
    firstSession = a!.run.session!.id;
    const sessionDir = join(root, 'node_modules/.cache/poc-bench/sessions', firstSession);
    const session = JSON.parse(readFileSync(join(sessionDir, 'session.json'), 'utf8')) as SessionState;
    expect(session.plan?.map((p) => p.package).sort()).toEqual(['poc-fixture-alpha', 'poc-fixture-beta']);
    const [first, second] = session.benches;
    expect(session.benches).toHaveLength(2);
    expect(first!.exitCode).toBe(0);
    expect(second!.exitCode).toBe(0);
    expect(Date.parse(first!.finishedAt!)).toBeLessThanOrEqual(Date.parse(second!.startedAt));

    // The last bench printed the run's summary, with alpha's change from its committed result.
    expect(output).toContain('Bench summary (session');
    expect(output).toMatch(/\| poc-fixture-alpha \| fast ÷ slow \(spin\): [^|]+ \| 2x \| [+-]\d+% \|/);
    expect(output).toMatch(/\| poc-fixture-beta \| fast ÷ slow \(spin\): [^|]+ \| none committed \|/);
    expect(output).toContain('2 of 2 bench(es) wrote results, one at a time');
    expect(output).toMatch(/\[bench\] 1 of 2: poc-fixture-(alpha|beta) \(short profile\)/);

    // turbo has exited: the keeper stops the session's server.
    const keeper = await eventually(
      () => {
        const k = JSON.parse(readFileSync(join(sessionDir, 'keeper.json'), 'utf8')) as KeeperState;
        if (!k.stoppedAt) throw new Error('keeper still running');
        return k;
      },
      { timeoutMs: 20_000, what: 'the session keeper to stop' },
    );
    expect(keeper.reason).toBe('the run ended');
    await eventually(() => !isAlive(keeper.pid), {
      timeoutMs: 10_000,
      what: 'the keeper process to exit',
    });
  }, 240_000);

  it('`pnpm bench` runs a selection the same way and prints the summary itself; a later summary shows a stale result', async () => {
    expect(root, 'the previous test made the workspace').toBeDefined();
    const cli = join(repo, 'packages/harness/src/cli/bench.ts');
    const { code, output } = await run(
      process.execPath,
      ['--import', 'tsx', cli, '--filter', 'poc-fixture-beta'],
      root,
      userEnv(),
    );
    if (process.env.SHOW_BENCH_OUTPUT) console.log(output);
    expect(code, output).toBe(0);
    const summaries = output.match(/Bench summary \(session (bench-\d+-\d+)\)/g) ?? [];
    expect(summaries, output).toHaveLength(1); // printed by the wrapper, not also by the bench
    expect(output).toMatch(/\| poc-fixture-beta \| fast ÷ slow \(spin\): [^|]+ \| none committed \|/);
    expect(output).not.toMatch(/\| poc-fixture-alpha \|/);
    expect(output).toMatch(/\[bench\] 1 of 1: poc-fixture-beta/);
    const beta = benchResultSchema.parse(
      JSON.parse(readFileSync(join(root, 'packages/fixture/beta/bench/results.json'), 'utf8')),
    ) as BenchResultV2;
    expect(beta.run.session?.id).toMatch(/^bench-/);
    expect(beta.run.servers).toEqual({ redis: 'session' });

    // alpha's code changes after its result was written: the first run's summary now flags it stale.
    writeFileSync(join(root, 'packages/fixture/alpha/src/index.ts'), 'export const work = 0.06;\n');
    const again = await run(process.execPath, ['--import', 'tsx', cli, 'summary', firstSession], root, userEnv());
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(/\| poc-fixture-alpha \| [^\n]*\| [^|\n]*stale[^|\n]* \|$/m);
    expect(again.output).not.toMatch(/\| poc-fixture-beta \| [^\n]*stale/);
    const status = await run(process.execPath, ['--import', 'tsx', cli, 'status'], root, userEnv());
    expect(status.output).toContain('bench lock: free');
  }, 240_000);
});
