// The harness starts every server of every test, so its defects become flaky tests everywhere. Each test
// here forces one way a server outlived, shared or leaked what it should not.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startLocalPostgres } from '../src/services/local/postgres.ts';
import {
  descendants,
  isAlive,
  reservePorts,
  runRoot,
  STAGING_PREFIX,
  sweepStale,
} from '../src/services/local/processes.ts';
import { redisServerBinary } from '../src/services/local/redis.ts';
import { privatePostgres, privateRedis, redisClient } from '../src/services/index.ts';
import { eventually } from '../src/testing/index.ts';
import { workspaceRoot } from '../src/cli/workspace.ts';

/**
 * These tests are about local processes (pids, /proc, SysV segments, a port taken on this host): the
 * private servers they start are local ones whatever provider the run uses.
 */
function pinLocalProvider(): void {
  const saved = process.env.POC_PROVIDER;
  process.env.POC_PROVIDER = 'local';
  onTestFinished(() => {
    if (saved === undefined) delete process.env.POC_PROVIDER;
    else process.env.POC_PROVIDER = saved;
  });
}

/** A pid that certainly belongs to no live process: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const segmentIds = (): string[] =>
  readFileSync('/proc/sysvipc/shm', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/)[1]!);

describe('kill() is a crash of the whole server', () => {
  it('leaves no PostgreSQL backend running, so an in-flight INSERT never commits after kill() resolved', async () => {
    pinLocalProvider();
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const admin = new pg.Client({ connectionString: server.url });
    const writer = new pg.Client({ connectionString: server.url });
    for (const c of [admin, writer]) c.on('error', () => {});
    await admin.connect();
    await writer.connect();
    await admin.query('CREATE TABLE big (n int)');
    const backend = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // Long enough that the backend is mid-statement when the postmaster dies.
    void writer.query('INSERT INTO big SELECT generate_series(1, 50000000)').catch(() => {});
    await eventually(
      async () =>
        (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`, [backend]))
          .rowCount === 1,
      { what: 'the INSERT running' },
    );
    await admin.end().catch(() => {});
    await server.kill();
    expect(isAlive(backend)).toBe(false);
    // An immediate start finds no backend holding the old shared memory, and nothing was committed.
    await server.start();
    const check = new pg.Client({ connectionString: server.url });
    await check.connect();
    onTestFinished(() => check.end());
    expect((await check.query('SELECT count(*)::int AS n FROM big')).rows[0].n).toBe(0);
  });

  it('removes the SysV shared memory segment a killed PostgreSQL leaves behind', async () => {
    const local = await startLocalPostgres({ durable: true });
    onTestFinished(() => local.dir.dispose());
    const pidFile = join(local.dir.path, 'data', 'postmaster.pid');
    const shmid = readFileSync(pidFile, 'utf8').split('\n')[6]!.trim().split(/\s+/)[1]!;
    expect(segmentIds()).toContain(shmid);
    await local.dir.signal('SIGKILL');
    expect(segmentIds()).not.toContain(shmid);
  });
});

describe('ports and identity', () => {
  it('never hands out a port another live process has reserved, and reclaims one whose owner died', async () => {
    const sleeper = spawn('sleep', ['60']);
    onTestFinished(() => void sleeper.kill('SIGKILL'));
    const [taken, stale, free] = [41_001, 41_002, 41_003];
    mkdirSync(join(runRoot, 'ports'), { recursive: true });
    writeFileSync(join(runRoot, 'ports', String(taken)), String(sleeper.pid));
    writeFileSync(join(runRoot, 'ports', String(stale)), String(deadPid()));
    onTestFinished(() => {
      for (const p of [taken, stale, free]) rmSync(join(runRoot, 'ports', String(p)), { force: true });
    });
    // A picker that offers the taken port first, as get-port in another process would.
    const offers = [taken, stale, free];
    const pick = async (exclude: number[]): Promise<number> => offers.find((p) => !exclude.includes(p))!;
    expect(await reservePorts(2, pick)).toEqual([stale, free]);
    expect(readFileSync(join(runRoot, 'ports', String(taken)), 'utf8')).toBe(String(sleeper.pid));
    expect(readFileSync(join(runRoot, 'ports', String(stale)), 'utf8')).toBe(String(process.pid));
  });

  it('refuses to report a restarted server ready when another process answers on its port', async () => {
    pinLocalProvider();
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const port = new URL(server.url).port;
    await server.stop();
    // A foreign Redis takes the stopped server's address; it holds someone else's data.
    const foreign = spawn(redisServerBinary(), ['--port', port, '--bind', '127.0.0.1', '--save', ''], {
      stdio: 'ignore',
    });
    onTestFinished(() => void foreign.kill('SIGKILL'));
    const other = redisClient(`redis://127.0.0.1:${port}`);
    onTestFinished(() => other.disconnect());
    await eventually(async () => (await other.set('owner', 'foreign')) === 'OK', { what: 'the foreign Redis' });
    await expect(server.start()).rejects.toThrow(/exited during start-up[\s\S]*Address already in use/);
  });
});

describe('leftovers', () => {
  it('sweeps staging directories of slow steps whose process died, and keeps a live one’s', () => {
    const dead = join(tmpdir(), `${STAGING_PREFIX}${deadPid()}-x1`);
    const mine = join(tmpdir(), `${STAGING_PREFIX}${process.pid}-x2`);
    for (const d of [dead, mine]) mkdirSync(join(d, 'data'), { recursive: true });
    onTestFinished(() => rmSync(mine, { recursive: true, force: true }));
    sweepStale({ again: true });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(mine)).toBe(true);
  });

  it('stops its servers when whatever started `services up` is SIGKILLed', async () => {
    const root = workspaceRoot();
    const cli = join(root, 'packages/harness/src/cli/main.ts');
    // sh stays the parent (the trailing command keeps it from exec-ing node), like pnpm or a CI step.
    const shell = spawn('sh', ['-c', `${process.execPath} --import tsx ${cli} up redis; :`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own Redis, not the run's shared one (and not a stray in a whole-repo run's ledger).
      env: { ...process.env, POC_REDIS_URL: '', POC_RUN_LEDGER: '' },
    });
    onTestFinished(() => void shell.kill('SIGKILL'));
    let out = '';
    shell.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const url = await eventually(() => /POC_REDIS_URL=(\S+)/.exec(out)?.[1], { what: 'the exported URL' });
    const harness = descendants(shell.pid!).find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('main.ts'),
    )!;
    const redis = redisClient(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    onTestFinished(() => redis.disconnect());
    expect(await redis.ping()).toBe('PONG');
    expect(harness).toBeGreaterThan(0);
    shell.kill('SIGKILL');
    await eventually(() => !isAlive(harness), { what: 'the orphaned harness exiting', timeoutMs: 20_000 });
    await expect(redis.ping()).rejects.toThrow();
  });
});
