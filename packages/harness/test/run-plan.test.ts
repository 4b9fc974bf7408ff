// A whole-repo run starts each service once and every package attaches to it. These tests guard the
// two ways that breaks: turbo not passing the addresses down, and a package starting its own server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { planFromDryRun, turboRunIndex } from '../src/cli/turbo-plan.ts';
import { workspaceRoot } from '../src/cli/workspace.ts';
import { SERVICES } from '../src/services/definitions.ts';
import { RUN_LEDGER_ENV } from '../src/services/servers.ts';

const root = workspaceRoot();
const harness = join(root, 'packages/harness');

describe('turbo.json', () => {
  it('passes every variable a whole-repo run hands to its packages through to the tasks', () => {
    const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8')) as { globalPassThroughEnv: string[] };
    const patterns = turbo.globalPassThroughEnv.map((p) => new RegExp(`^${p.replace(/\*/g, '.*')}$`));
    const handedDown = [...Object.values(SERVICES).map((s) => s.envVar), 'POC_SERVICES_SHARED', RUN_LEDGER_ENV];
    const dropped = handedDown.filter((v) => !patterns.some((p) => p.test(v)));
    expect(dropped).toEqual([]);
  });
});

describe('with-services', () => {
  const run = (mode: 'attach' | 'own'): { status: number | null; stderr: string } => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'with-services',
        '--services',
        'redis',
        '--',
        process.execPath,
        '--import',
        'tsx',
        'test/fixtures/own-server.ts',
        mode,
      ],
      { cwd: harness, encoding: 'utf8', timeout: 60_000 },
    );
    return { status: r.status, stderr: r.stderr };
  };

  it('passes when the package attaches to the run’s server', () => {
    const r = run('attach');
    expect(r.stderr).not.toContain('started by a package');
    expect(r.status).toBe(0);
  });

  it('fails, naming the package and the service, when a package starts a server of its own', () => {
    const r = run('own');
    expect(r.stderr).toContain('1 server(s) started by a package although this run shares one per service:');
    expect(r.stderr).toContain('packages/harness: redis');
    expect(r.status).toBe(1);
  });
});

describe('turbo plan', () => {
  it('finds `turbo run` in a command line', () => {
    expect(turboRunIndex(['pnpm', 'exec', 'turbo', 'run', 'test'])).toBe(2);
    expect(turboRunIndex(['/x/node_modules/.bin/turbo', 'run', 'bench'])).toBe(0);
    expect(turboRunIndex(['vitest', 'run'])).toBe(-1);
  });

  it('needs only the services of server tasks that will run, not of cached ones or of lint', () => {
    const ws = mkdtempSync(join(tmpdir(), 'plan-'));
    onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
    const pkg = (dir: string, services: string[]): void => {
      mkdirSync(join(ws, dir), { recursive: true });
      writeFileSync(join(ws, dir, 'package.json'), JSON.stringify({ poc: { services } }));
    };
    pkg('packages/redis/lock', ['redis']);
    pkg('packages/kafka/basics', ['kafka', 'toxiproxy']);
    pkg('packages/postgres/iso', ['postgres']);
    const task = (p: string, dir: string, name: string, status: 'HIT' | 'MISS') => ({
      task: name,
      package: p,
      directory: dir,
      cache: { status },
    });
    const dry = JSON.stringify({
      tasks: [
        task('poc-redis-lock', 'packages/redis/lock', 'test', 'MISS'),
        task('poc-redis-lock', 'packages/redis/lock', 'transit', 'MISS'),
        task('poc-kafka-basics', 'packages/kafka/basics', 'test', 'HIT'),
        task('poc-postgres-iso', 'packages/postgres/iso', 'lint', 'MISS'),
      ],
    });
    expect(planFromDryRun(dry, ws)).toEqual({
      toRun: ['poc-redis-lock#test', 'poc-postgres-iso#lint'],
      cached: 1,
      services: ['redis'],
    });
  });
});
