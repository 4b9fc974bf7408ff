// Runs Debian's redis-benchmark (package redis-tools) against the server the harness gave this process and
// reads its --csv output: what a C client driving the same server with pipelining reaches, the "limit"
// the bench compares one Node process with. Only the address it is given (loopback in this repo) is used.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Debian package that ships /usr/bin/redis-benchmark. */
export const REDIS_BENCHMARK_PACKAGE = 'redis-tools';

/** The redis-benchmark binary on PATH (Debian puts it in /usr/bin), or a clear error naming the package. */
export function findRedisBenchmark(path = process.env.PATH ?? '', alsoIn: readonly string[] = ['/usr/bin']): string {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...alsoIn]) {
    const candidate = join(dir, 'redis-benchmark');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  throw new Error(
    `redis-benchmark was not found on PATH${alsoIn.length > 0 ? ` or in ${alsoIn.join(', ')}` : ''}: it comes with Debian's ${REDIS_BENCHMARK_PACKAGE} package ` +
      `(apt-get install ${REDIS_BENCHMARK_PACKAGE}); this bench runs it against the same server in the same run`,
  );
}

/** Rows of redis-benchmark's --csv output: a header line, then one quoted line per test. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('"'))
    .map((line) => line.slice(1, -1).split('","'));
  const [header, ...data] = rows;
  if (!header || header[0] !== 'test') throw new Error(`redis-benchmark printed no CSV header: ${text.slice(0, 200)}`);
  return data.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

export interface RedisBenchmarkRun {
  /** redis:// URL of the server: its host, port, user, password and database are passed on. */
  url: string;
  /** Parallel connections (-c). */
  clients: number;
  /** Commands in flight per connection (-P). */
  pipeline: number;
  /** Total requests (-n). */
  requests: number;
  /** The command, e.g. ['INCRBY', 'counter:__rand_int__', '1']; __rand_int__ takes values below `keyspace` (-r). */
  command: readonly string[];
  keyspace?: number;
  /** Gives up (and kills it) after this long (default 120 s): redis-benchmark can hang on a refused connection. */
  timeoutMs?: number;
  bin?: string;
}

export interface RedisBenchmarkResult {
  test: string;
  rps: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  /** The exact arguments it ran with (password masked). */
  args: string[];
}

/** The arguments for one run: address from the URL, then the load, then --csv and the command. */
export function redisBenchmarkArgs(run: RedisBenchmarkRun): string[] {
  const u = new URL(run.url);
  if (u.protocol !== 'redis:') throw new Error(`redis-benchmark needs a redis:// URL (got ${u.protocol})`);
  const args = ['-h', u.hostname.replace(/^\[|\]$/g, ''), '-p', u.port || '6379'];
  if (u.username) args.push('--user', decodeURIComponent(u.username));
  // Redis 7.0's redis-benchmark has no --no-auth-warning (redis-cli has); it prints no warning either.
  if (u.password) args.push('-a', decodeURIComponent(u.password));
  const db = u.pathname.replace(/^\//, '');
  if (db) args.push('--dbnum', db);
  args.push('-c', String(run.clients), '-P', String(run.pipeline), '-n', String(run.requests));
  if (run.keyspace !== undefined) args.push('-r', String(run.keyspace));
  args.push('--csv', ...run.command);
  return args;
}

export function redisBenchmark(run: RedisBenchmarkRun): Promise<RedisBenchmarkResult> {
  const bin = run.bin ?? findRedisBenchmark();
  const args = redisBenchmarkArgs(run);
  const shown = args.map((a, i) => (args[i - 1] === '-a' ? '***' : a));
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: run.timeoutMs ?? 120_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) {
        // error.message repeats the command line: the password must not reach a log from there either.
        const password = args[args.indexOf('-a') + 1];
        const message = args.includes('-a') ? error.message.replaceAll(password!, '***') : error.message;
        reject(new Error(`redis-benchmark ${shown.join(' ')} failed: ${message} ${stderr}`.trim()));
        return;
      }
      try {
        const row = parseCsv(stdout)[0];
        const rps = Number(row?.rps);
        if (!row || !(rps > 0)) throw new Error(`no result row with a rate: ${stdout.slice(0, 300)} ${stderr}`);
        resolve({
          test: row.test!,
          rps,
          avgLatencyMs: Number(row.avg_latency_ms),
          p50LatencyMs: Number(row.p50_latency_ms),
          p99LatencyMs: Number(row.p99_latency_ms),
          args: shown,
        });
      } catch (e) {
        reject(new Error(`redis-benchmark ${shown.join(' ')}: ${(e as Error).message}`));
      }
    });
  });
}
