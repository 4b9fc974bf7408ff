// nginx as a load balancer in front of servers a test or system runs: a generated config per use (an
// nginx has nothing to share between suites), local binary or a container (host network) when Docker answers.
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessArgumentError, requireArg, ServiceUnavailableError } from '../errors.ts';
import { eventually } from '../testing/eventually.ts';
import { dockerAvailable, startCustomContainer } from './docker.ts';
import { findExecutable, missingBinaryHint } from './local/binaries.ts';
import { ServerDir, waitUntilReady } from './local/processes.ts';
import type { ProviderKind } from './types.ts';

export interface NginxOptions {
  /** host:port of each upstream server. */
  upstreams: readonly string[];
  /** Default round_robin. */
  balance?: 'round_robin' | 'least_conn';
  /** Passive health check: failures within failTimeoutS that take a server out (default 1; 0 = never). */
  maxFails?: number;
  /** ... and how long it stays out (default 10 s). */
  failTimeoutS?: number;
  /**
   * A shared HTTP cache in front of the upstreams (proxy_cache, default off). It stores only what the
   * origin's Cache-Control or Expires allows (s-maxage before max-age; private, no-store and no-cache are
   * not stored), revalidates expired entries with If-None-Match / If-Modified-Since, lets one request
   * fill a missing entry while the others wait, serves a stale entry while one request refreshes it in
   * the background or when the origin fails only as far as the origin's stale-while-revalidate and
   * stale-if-error allow (nginx applies stale-if-error to connection errors and timeouts, not to a 5xx
   * the origin sends), and says what it did in `X-Cache-Status` (MISS, HIT, EXPIRED, STALE, UPDATING,
   * REVALIDATED, BYPASS). `{ useStale: ['http_503', ...] }` adds proxy_cache_use_stale with those
   * conditions for every cacheable response, whatever the origin says.
   */
  cache?: boolean | NginxCacheOptions;
}

const STALE_CONDITIONS = [
  'error',
  'timeout',
  'invalid_header',
  'updating',
  'http_500',
  'http_502',
  'http_503',
  'http_504',
  'http_403',
  'http_404',
  'http_429',
] as const;

export interface NginxCacheOptions {
  /** proxy_cache_use_stale conditions (default none: the origin's Cache-Control extensions decide). */
  useStale?: ReadonlyArray<(typeof STALE_CONDITIONS)[number]>;
}

type CheckedOptions = Required<Omit<NginxOptions, 'cache'>> & { cache: NginxCacheOptions | false };

export interface NginxServer extends AsyncDisposable {
  /** http://127.0.0.1:<port>: proxies every path to the upstreams. */
  readonly url: string;
  readonly port: number;
  readonly provider: ProviderKind;
  /** Rewrites the upstream list and reloads; resolves once nginx serves the new configuration. */
  setUpstreams(upstreams: readonly string[]): Promise<void>;
  /** Stops nginx. Idempotent. */
  close(): Promise<void>;
}

function check(options: NginxOptions): CheckedOptions {
  const { upstreams, balance = 'round_robin', maxFails = 1, failTimeoutS = 10, cache = false } = options;
  checkUpstreams(upstreams);
  requireArg(
    balance === 'round_robin' || balance === 'least_conn',
    'balance',
    `must be "round_robin" or "least_conn" (got "${balance}")`,
  );
  requireArg(Number.isInteger(maxFails) && maxFails >= 0, 'maxFails', `must be an integer >= 0 (got ${maxFails})`);
  requireArg(
    Number.isInteger(failTimeoutS) && failTimeoutS > 0,
    'failTimeoutS',
    `must be a positive integer (got ${failTimeoutS})`,
  );
  requireArg(
    typeof cache === 'boolean' || (typeof cache === 'object' && cache !== null),
    'cache',
    `must be true, false or { useStale } (got ${String(cache)})`,
  );
  const useStale = (typeof cache === 'object' && cache.useStale) || [];
  for (const c of useStale)
    requireArg(
      (STALE_CONDITIONS as readonly string[]).includes(c),
      'cache.useStale',
      `entries must be one of ${STALE_CONDITIONS.join(', ')} (got "${c}")`,
    );
  return { upstreams, balance, maxFails, failTimeoutS, cache: cache === true ? {} : cache };
}

function checkUpstreams(upstreams: readonly string[]): void {
  requireArg(Array.isArray(upstreams) && upstreams.length > 0, 'upstreams', 'must list at least one host:port');
  for (const u of upstreams)
    requireArg(/^[\w.-]+:\d{1,5}$/.test(u), 'upstreams', `entries must be host:port (got "${u}")`);
}

/** The configuration; `generation` comes back in X-Nginx-Config so a reload can be seen to have landed. */
function config(o: CheckedOptions, port: number, dir: string, generation: number, user: string | undefined): string {
  const servers = o.upstreams
    .map((u) => `    server ${u} max_fails=${o.maxFails} fail_timeout=${o.failTimeoutS}s;`)
    .join('\n');
  const temp = (name: string): string => `${name}_temp_path ${join(dir, `${name}_temp`)};`;
  const cachePath = o.cache
    ? `proxy_cache_path ${join(dir, 'cache')} levels=1:2 keys_zone=poc:10m max_size=256m inactive=1h use_temp_path=off;`
    : '';
  const cacheRules = o.cache
    ? `
      # A shared cache that obeys the origin's Cache-Control (nothing forced with proxy_cache_valid).
      proxy_cache poc;
      proxy_cache_revalidate on;
      proxy_cache_lock on;
      ${
        o.cache && o.cache.useStale?.length
          ? `proxy_cache_use_stale ${o.cache.useStale.join(' ')};`
          : "# No proxy_cache_use_stale: the origin's stale-while-revalidate and stale-if-error decide."
      }
      proxy_cache_background_update on;
      add_header X-Cache-Status $upstream_cache_status always;`
    : '';
  return `# generated by @poc/harness startNginx
${user ? `user ${user};` : ''}
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  ${cachePath}
  upstream app {
${o.balance === 'least_conn' ? '    least_conn;\n' : ''}${servers}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # Passive health checks: a failed attempt is retried on the next server (idempotent requests),
      # and max_fails failures take a server out for fail_timeout.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 1s;
      add_header X-Upstream $upstream_addr always;
      add_header X-Nginx-Config ${generation} always;${cacheRules}
    }
  }
}
`;
}

/** One request: true when nginx answers with the given configuration generation (any status). */
async function answersWith(url: string, generation: number): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await r.arrayBuffer();
  return r.headers.get('x-nginx-config') === String(generation);
}

/** Resolves once nginx serves the given configuration generation (upstreams may be down: any status). */
const servesGeneration = (url: string, generation: number): Promise<boolean> =>
  eventually(() => answersWith(url, generation), {
    timeoutMs: 20_000,
    intervalMs: 20,
    what: `nginx serving configuration ${generation}`,
  });

export async function startNginx(options: NginxOptions): Promise<NginxServer> {
  let current = check(options);
  let generation = 1;
  if (await dockerAvailable('nginx')) return startDockerNginx(current);
  return startLocalNginx();

  async function startLocalNginx(): Promise<NginxServer> {
    const bin = findExecutable('nginx', [], ['/usr/sbin']);
    if (!bin)
      throw new ServiceUnavailableError(
        missingBinaryHint('nginx', 'no variable: nginx is configured per use', 'nginx-light'),
      );
    const dir = new ServerDir('nginx', 'SIGQUIT'); // SIGQUIT: graceful shutdown
    const [port] = (await dir.reservePorts(1)) as [number];
    const url = `http://127.0.0.1:${port}`;
    // As root, workers run as nobody and must be able to write nginx's temp directories.
    const root = process.getuid?.() === 0;
    const passwd = root
      ? readFileSync('/etc/passwd', 'utf8')
          .split('\n')
          .find((l) => l.startsWith('nobody:'))
          ?.split(':')
      : undefined;
    // The workers must be able to reach into the (private, 0700) server directory to use them.
    if (passwd) chmodSync(dir.path, 0o711);
    for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'cache']) {
      const t = join(dir.path, `${name}_temp`);
      mkdirSync(t, { recursive: true });
      if (passwd) chownSync(t, Number(passwd[2]), Number(passwd[3]));
    }
    const group = passwd
      ? readFileSync('/etc/group', 'utf8')
          .split('\n')
          .find((l) => l.split(':')[2] === passwd[3])
          ?.split(':')[0]
      : undefined;
    const user = passwd ? `nobody ${group ?? 'nobody'}` : undefined; // Debian's nobody is in group nogroup
    const conf = join(dir.path, 'nginx.conf');
    writeFileSync(conf, config(current, port, dir.path, generation, user));
    const child = dir.spawn(bin, ['-p', dir.path, '-c', conf]);
    try {
      await waitUntilReady(dir, `nginx on port ${port}`, async () => {
        if (!(await answersWith(url, generation))) throw new Error('an older configuration answered');
      });
    } catch (e) {
      await dir.dispose();
      throw e;
    }
    let closed = false;
    const server: NginxServer = {
      url,
      port,
      provider: 'local',
      async setUpstreams(upstreams) {
        checkUpstreams(upstreams);
        current = { ...current, upstreams };
        generation++;
        writeFileSync(conf, config(current, port, dir.path, generation, user));
        child.kill('SIGHUP'); // re-read the configuration; old workers finish their requests
        await servesGeneration(url, generation);
      },
      async close() {
        if (closed) return;
        closed = true;
        await dir.dispose();
      },
      [Symbol.asyncDispose]: () => server.close(),
    };
    return server;
  }
}

/**
 * nginx in a container on the host's network (Linux engines), so it reaches upstreams on the host's
 * loopback and listens on 127.0.0.1:<port> itself, as the local one does. It runs as nobody (65534),
 * with its configuration, pid file and temp directories in the container's /tmp.
 */
async function startDockerNginx(o: CheckedOptions): Promise<NginxServer> {
  let generation = 1;
  let current = o;
  const render = (port: number): string => config(current, port, '/tmp', generation, undefined);
  const conf = '/tmp/nginx.conf';
  const nginxArgs = ['-e', '/tmp/error.log', '-c', conf];
  const instance = await startCustomContainer('nginx', (port) => ({
    network: 'host',
    entrypoint: ['nginx'],
    command: nginxArgs,
    user: '65534:65534',
    files: [{ target: conf, content: render(port) }],
    url: `http://127.0.0.1:${port}`,
    probe: async (url) => {
      if (!(await answersWith(url, generation))) throw new Error('an older configuration answered');
      return 'nginx';
    },
  }));
  const { url, port, container } = instance;
  let closed = false;
  const server: NginxServer = {
    url,
    port,
    provider: 'docker',
    async setUpstreams(upstreams) {
      checkUpstreams(upstreams);
      current = { ...current, upstreams };
      generation++;
      await container.copyContentToContainer([{ content: render(port), target: conf, mode: 0o644 }]);
      const r = await container.exec(['nginx', ...nginxArgs, '-s', 'reload']);
      if (r.exitCode !== 0) throw new HarnessArgumentError(`nginx rejected the new configuration: ${r.output}`);
      await servesGeneration(url, generation);
    },
    async close() {
      if (closed) return;
      closed = true;
      await instance.remove();
    },
    [Symbol.asyncDispose]: () => server.close(),
  };
  return server;
}
