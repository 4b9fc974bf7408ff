// redis-server as a throwaway process: loopback only, no persistence unless asked, data in a temp dir.
import { execFileSync } from 'node:child_process';
import getPort from 'get-port';
import { ServiceUnavailableError } from '../../errors.ts';
import { probeRedis } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { ServerDir, waitUntilReady } from './processes.ts';

export interface LocalRedisOptions {
  /** Extra redis.conf directives as [name, value] pairs, e.g. [['appendonly', 'yes']]. */
  config?: Array<[string, string]>;
}

export interface LocalProcessServer {
  url: string;
  version: string;
  port: number;
  dir: ServerDir;
  /** (Re)starts the process on the same port and directory. */
  launch(): Promise<void>;
}

export function redisServerBinary(): string {
  const bin = findExecutable('redis-server');
  if (!bin) throw new ServiceUnavailableError(missingBinaryHint('Redis', 'POC_REDIS_URL', 'redis-server'));
  return bin;
}

export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalProcessServer> {
  const bin = redisServerBinary();
  const version = /v=([\d.]+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  const port = await getPort({ host: '127.0.0.1' });
  const dir = new ServerDir('redis');
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir.path,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
  ];
  for (const [name, value] of options.config ?? []) args.push(`--${name}`, value);
  const launch = async (): Promise<void> => {
    dir.spawn(bin, args);
    await waitUntilReady(dir, `redis-server on port ${port}`, () => probeRedis(url));
  };
  try {
    await launch();
  } catch (e) {
    await dir.dispose();
    throw e;
  }
  return { url, version, port, dir, launch };
}
