import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../src/cli.ts';
import { closest } from '../src/closest.ts';
import { addPoc, workspace, type Fixture } from './fixtures.ts';

let f: Fixture;
afterEach(() => f?.close());

function io(root: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { root, stdout, stderr, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}

describe('closest names', () => {
  const names = ['redis-lock', 'redis-counter', 'redis-rate-limit', 'postgres-isolation-levels', 'kafka-basics'];
  it('suggests the nearest names for a typo or a fragment', () => {
    expect(closest('redis-lok', names)[0]).toBe('redis-lock');
    expect(closest('poc-redis-conter', names)[0]).toBe('redis-counter');
    expect(closest('isolation', names)).toEqual(['postgres-isolation-levels']);
    expect(closest('zzzzzzzz', names)).toEqual([]);
  });
});

describe('pnpm poc', () => {
  it('lists POCs grouped by series with their status', async () => {
    f = workspace();
    addPoc(f, 'redis', 'lock');
    addPoc(f, 'postgres', 'mvcc', { results: null });
    const c = io(f.root);
    expect(await main([], c)).toBe(0);
    const text = c.stdout.join('\n');
    expect(text).toMatch(/^redis \(1\/1 done\)\n {2}✓ {3}1 {2}redis-lock/m);
    expect(text).toMatch(/^postgres \(0\/1 done\)\n {2}• {3}1 {2}postgres-mvcc .* in progress$/m);
  });

  it('marks stale bench results in the list, and prints what a README must quote with --measured', async () => {
    f = workspace();
    addPoc(f, 'redis', 'lock', { results: 'v1' });
    addPoc(f, 'redis', 'counter');
    const c = io(f.root);
    expect(await main([], c)).toBe(0);
    const text = c.stdout.join('\n');
    expect(text).toMatch(/redis-lock .* done {2}\(bench stale: no source hash\)$/m);
    expect(text).toMatch(/redis-counter .* done$/m);
    expect(text).toContain('1 bench result(s) are stale');
    const m = io(f.root);
    expect(await main(['redis-counter', '--measured'], m)).toBe(0);
    expect(m.stdout.join('\n')).toMatch(/^Measured 2026-11-30 with `pnpm --filter poc-redis-counter bench`/);
    expect(m.stdout.join('\n')).toContain('| pattern | 950 | 910–988 | **9.50x** (9.10–9.80, 93.7% CI) |');
    expect(m.stderr).toEqual([]);
    const old = io(f.root);
    expect(await main(['redis-lock', '--measured'], old)).toBe(0);
    expect(old.stderr.join('\n')).toContain('warning: bench/results.json.run.sourceHash: stale: no source hash');
  });

  it('rejects an unknown name with the closest names, and bad flags with usage and exit 2', async () => {
    f = workspace();
    addPoc(f, 'redis', 'lock');
    addPoc(f, 'redis', 'counter');
    const c = io(f.root);
    expect(await main(['redis-lok'], c)).toBe(1);
    expect(c.stderr.join('\n')).toContain('unknown POC "redis-lok". Did you mean: redis-lock?');
    for (const argv of [
      ['--frob'],
      ['redis-lock', '--test', '--bench'],
      ['redis-lock', '--bench', '--measured'],
      ['--test'],
      ['redis-lock', 'redis-counter'],
      ['new', 'redis'],
      ['redis-lock', '--services', 'redis'],
    ]) {
      const u = io(f.root);
      expect(await main(argv, u), argv.join(' ')).toBe(2);
      expect(u.stderr.join('\n'), argv.join(' ')).toContain('usage:');
    }
  });

  it('creates a package with `new --services`, and refuses an existing one or an unknown service', async () => {
    f = workspace();
    addPoc(f, 'redis', 'lock');
    const c = io(f.root);
    expect(await main(['new', 'resilience', 'circuit-breaker', '--services', 'redis,toxiproxy'], c)).toBe(0);
    expect(c.stdout[0]).toContain('packages/resilience/circuit-breaker');
    expect(c.stdout).toContain('  src/circuit-breaker.ts');
    const pkg = JSON.parse(readFileSync(join(f.root, 'packages/resilience/circuit-breaker/package.json'), 'utf8'));
    expect(pkg.poc.services).toEqual(['redis', 'toxiproxy']);
    const unknown = io(f.root);
    expect(await main(['new', 'caching', 'write-behind', '--services', 'redis,mongodb'], unknown)).toBe(1);
    expect(unknown.stderr).toEqual([
      'pnpm poc new: unknown service "mongodb": the harness provides redis, postgres, rabbitmq, kafka, toxiproxy',
    ]);
    expect(existsSync(join(f.root, 'packages/caching'))).toBe(false);
    const again = io(f.root);
    expect(await main(['new', 'redis', 'lock'], again)).toBe(1);
    expect(again.stderr.join('\n')).toContain('packages/redis/lock already exists');
  });
});
