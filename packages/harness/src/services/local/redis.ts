// redis-server as a throwaway process: loopback only, no persistence unless asked, data in a temp dir.
// Readiness: INFO answers from this very process (its process_id), not from whoever holds the port.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../errors.ts';
import { redisIdentity } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { requireIdentity, startLocalServer, type LocalProcessServer } from './start.ts';

export type { LocalProcessServer } from './start.ts';

export interface LocalRedisOptions {
  /** Extra redis.conf directives as [name, value] pairs, e.g. [['appendonly', 'yes']]. */
  config?: Array<[string, string]>;
}

export function redisServerBinary(): string {
  const bin = findExecutable('redis-server');
  if (!bin) throw new ServiceUnavailableError(missingBinaryHint('Redis', 'POC_REDIS_URL', 'redis-server'));
  return bin;
}

/** The settings every harness Redis starts with, before a test's own directives. */
export const REDIS_BASE_CONFIG: Array<[string, string]> = [
  ['save', ''],
  ['appendonly', 'no'],
  ['protected-mode', 'no'],
  ['loglevel', 'warning'],
];

/**
 * The password every Redis this process starts requires (192 random bits, new each run), so another user
 * of the machine cannot read or flush the tests' data. One per process rather than one per server: a
 * private replica (`replicaof`) authenticates to its primary with it (masterauth). Clients get it in the
 * URL (redis://:<password>@127.0.0.1:<port>); the server reads it from a file only its owner can read, not
 * from its command line, which every local user can see.
 */
export const REDIS_PASSWORD = randomBytes(24).toString('hex');

/** redis.conf lines that make a server require REDIS_PASSWORD, and use it towards its primary. */
export const REDIS_AUTH_CONF = `requirepass ${REDIS_PASSWORD}\nmasterauth ${REDIS_PASSWORD}\n`;

export const redisUrl = (port: number): string => `redis://:${REDIS_PASSWORD}@127.0.0.1:${port}`;

export function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalProcessServer> {
  const bin = redisServerBinary();
  const version = /v=([\d.]+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  return startLocalServer({
    service: 'redis',
    ports: 1,
    async prepare(dir, [port]) {
      const auth = join(dir.path, 'auth.conf');
      writeFileSync(auth, REDIS_AUTH_CONF, { mode: 0o600 });
      const args = [auth, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir.path, '--daemonize', 'no'];
      for (const [name, value] of [...REDIS_BASE_CONFIG, ...(options.config ?? [])]) args.push(`--${name}`, value);
      return {
        url: redisUrl(port!),
        what: `redis-server ${version} on port ${port}`,
        command: { command: bin, args },
      };
    },
    async probe(url, dir) {
      const id = await redisIdentity(url);
      requireIdentity('process_id', dir.child?.pid, id.pid);
      return id.version;
    },
  });
}
