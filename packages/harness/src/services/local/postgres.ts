// PostgreSQL as a throwaway process. initdb runs once per server version and is cached as a template
// data directory; each start copies it (~100 ms instead of ~1.5 s). PostgreSQL refuses to run as
// root, so when we are root the server runs as the `postgres` system user (or `nobody`).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServiceUnavailableError } from '../../errors.ts';
import { postgresIdentity } from '../probes.ts';
import { findExecutable, missingBinaryHint, postgresBinDirs } from './binaries.ts';
import { cacheHome, stagingDir } from './processes.ts';
import { requireIdentity, startLocalServer, type LocalProcessServer } from './start.ts';

const run = promisify(execFile);

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** When root, the unprivileged account the server runs as; undefined when we are not root. */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields?.[2] && fields[3]) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new ServiceUnavailableError(
    'Running as root and found neither a `postgres` nor a `nobody` user to run PostgreSQL as.',
  );
}

function binaries(): { initdb: string; postgres: string; version: string } {
  const extra = postgresBinDirs();
  const initdb = findExecutable('initdb', extra);
  const postgres = findExecutable('postgres', extra);
  if (!initdb || !postgres) {
    throw new ServiceUnavailableError(missingBinaryHint('PostgreSQL', 'POC_POSTGRES_URL', 'postgresql'));
  }
  const version =
    /\(PostgreSQL\) ([\d.]+)/.exec(execFileSync(postgres, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  return { initdb, postgres, version };
}

/**
 * cp -a keeps ownership and modes (PostgreSQL insists on a 0700 data directory owned by its user).
 * Asynchronous, like every slow step: a blocked event loop cannot run its cleanup on Ctrl-C.
 */
export async function copyTree(from: string, to: string): Promise<void> {
  try {
    await run('cp', ['-a', from, to]);
  } catch (e) {
    throw new ServiceUnavailableError(`copying ${from} to ${to} failed: ${(e as { stderr?: string }).stderr ?? e}`);
  }
}

/**
 * The cached, initdb'd template data directory for this version and user, created once, and the password
 * of its `postgres` role: 192 random bits drawn when the template was made, kept beside it in a file only
 * its owner can read. TCP connections (127.0.0.1) must give it (scram-sha-256); the Unix socket, in the
 * server's private 0700 directory, trusts its owner.
 */
async function templateDataDir(
  initdb: string,
  version: string,
  runAs: RunAs | undefined,
): Promise<{ template: string; password: string }> {
  const home = join(cacheHome(), `postgres-${version}-${runAs?.name ?? 'self'}-scram`);
  const template = join(home, 'data');
  const passwordFile = join(home, 'password');
  if (existsSync(join(template, 'PG_VERSION'))) return { template, password: readFileSync(passwordFile, 'utf8') };
  // initdb as the server's user into a staging directory that user can reach, then copy into the cache.
  const staging = stagingDir();
  try {
    if (runAs) chownSync(staging, runAs.uid, runAs.gid);
    const data = join(staging, 'data');
    const password = randomBytes(24).toString('hex');
    const pwfile = join(staging, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
    try {
      await run(
        initdb,
        [
          '-D',
          data,
          '-U',
          'postgres',
          `--pwfile=${pwfile}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
          '--no-instructions',
        ],
        { uid: runAs?.uid, gid: runAs?.gid, cwd: staging },
      );
    } catch (e) {
      const out = e as { code?: number; stderr?: string; stdout?: string };
      throw new ServiceUnavailableError(`initdb failed (exit ${out.code}):\n${out.stderr || out.stdout}`);
    }
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const partial = `${template}.${process.pid}.partial`;
    await copyTree(data, partial);
    // Another process may have won the race: the password file goes in only with the template that wins.
    const moved = await run('mv', ['-T', '--no-clobber', partial, template]).then(
      () => existsSync(join(template, 'PG_VERSION')) && !existsSync(partial),
      () => false,
    );
    if (moved) writeFileSync(passwordFile, password, { mode: 0o600 });
    else rmSync(partial, { recursive: true, force: true });
    for (let i = 0; i < 100 && !existsSync(passwordFile); i++) await new Promise((r) => setTimeout(r, 50));
    return { template, password: readFileSync(passwordFile, 'utf8') };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Settings every harness server gets: room for many suites, quiet logs, and dynamic shared memory in
 * the data directory (the default, posix, leaves /dev/shm/PostgreSQL.* behind when a server is killed).
 */
const COMMON_SETTINGS: Record<string, string> = {
  max_connections: '300',
  shared_buffers: '128MB',
  log_min_messages: 'warning',
  dynamic_shared_memory_type: 'mmap',
};

/**
 * The shared test server trades durability for speed: it never outlives the run. With
 * synchronous_commit=off a crash loses the last commits, so private servers (the ones fault tests
 * kill) keep PostgreSQL's default durability.
 */
const FAST_SETTINGS: Record<string, string> = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

export const postgresSettings = (durable: boolean): Record<string, string> => ({
  ...COMMON_SETTINGS,
  ...(durable ? {} : FAST_SETTINGS),
});

export async function startLocalPostgres(
  options: { durable?: boolean; config?: ReadonlyArray<readonly [string, string]> } = {},
): Promise<LocalProcessServer> {
  const { initdb, postgres, version } = binaries();
  const runAs = unprivilegedUser();
  const { template, password } = await templateDataDir(initdb, version, runAs);
  return startLocalServer({
    service: 'postgres',
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM (smart) would wait for every client to leave.
    stopSignal: 'SIGINT',
    ports: 1,
    async prepare(dir, [port]) {
      if (runAs) chownSync(dir.path, runAs.uid, runAs.gid);
      const data = join(dir.path, 'data');
      await copyTree(template, data);
      dir.leaves({ kind: 'sysv-shm', pidFile: join(data, 'postmaster.pid') });
      const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir.path];
      // A test's own settings (e.g. wal_level=logical) come last, so they win.
      for (const [name, value] of [
        ...Object.entries(postgresSettings(options.durable ?? false)),
        ...(options.config ?? []),
      ])
        args.push('-c', `${name}=${value}`);
      return {
        url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
        what: `PostgreSQL ${version} on port ${port}`,
        command: { command: postgres, args, uid: runAs?.uid, gid: runAs?.gid },
      };
    },
    async probe(url, dir) {
      const id = await postgresIdentity(url);
      requireIdentity('data_directory', join(dir.path, 'data'), id.dataDirectory);
      return id.version;
    },
  });
}
