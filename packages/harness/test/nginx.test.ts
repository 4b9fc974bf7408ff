import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HarnessArgumentError, startNginx } from '../src/services/index.ts';
import { eventually } from '../src/testing/index.ts';

/** A real HTTP server that answers with its own name. */
async function upstream(name: string): Promise<{ addr: string; server: Server }> {
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return { addr: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function get(url: string): Promise<{ status: number; body: string; upstream: string | null }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text(), upstream: r.headers.get('x-upstream') };
}

describe('startNginx', () => {
  it('balances round robin over real upstreams and says which one answered', async () => {
    const [a, b] = [await upstream('a'), await upstream('b')];
    const lb = await startNginx({ upstreams: [a.addr, b.addr] });
    onTestFinished(() => lb.close());
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await get(lb.url));
    expect(replies.map((r) => r.body).sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    for (const r of replies) expect(r.upstream).toBe(r.body === 'a' ? a.addr : b.addr);
  });

  it('routes around a dead upstream without failing a request (passive health check)', async () => {
    const [a, b] = [await upstream('a'), await upstream('b')];
    const lb = await startNginx({ upstreams: [a.addr, b.addr], balance: 'least_conn', maxFails: 1, failTimeoutS: 30 });
    onTestFinished(() => lb.close());
    b.server.closeAllConnections();
    await new Promise<void>((r) => b.server.close(() => r()));
    const replies = [];
    for (let i = 0; i < 10; i++) replies.push(await get(lb.url));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(replies.map((r) => r.body))).toEqual(new Set(['a']));
  });

  it('reloads a new upstream list and serves from it at once', async () => {
    const [a, b] = [await upstream('a'), await upstream('b')];
    const lb = await startNginx({ upstreams: [a.addr] });
    onTestFinished(() => lb.close());
    expect((await get(lb.url)).body).toBe('a');
    await lb.setUpstreams([b.addr]);
    expect((await get(lb.url)).body).toBe('b');
  });

  it('caches what the origin marks cacheable, and only that, when asked to (proxy_cache)', async () => {
    let hits = 0;
    const origin = createServer((req, res) => {
      hits++;
      res.setHeader('Cache-Control', req.url === '/public' ? 'public, max-age=60' : 'no-store');
      res.end(`answer ${hits}`);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', () => r()));
    onTestFinished(() => new Promise<void>((r) => origin.close(() => r())));
    const addr = `127.0.0.1:${(origin.address() as AddressInfo).port}`;
    const lb = await startNginx({ upstreams: [addr], cache: true });
    onTestFinished(() => lb.close());
    hits = 0; // the readiness probe reached the origin
    const status = async (path: string): Promise<[string, string | null]> => {
      const r = await fetch(`${lb.url}${path}`);
      return [await r.text(), r.headers.get('x-cache-status')];
    };
    expect(await status('/public')).toEqual(['answer 1', 'MISS']);
    expect(await status('/public')).toEqual(['answer 1', 'HIT']);
    expect(await status('/private')).toEqual(['answer 2', 'MISS']);
    expect(await status('/private')).toEqual(['answer 3', 'MISS']);
    expect(hits).toBe(3);
    const plain = await startNginx({ upstreams: [addr] });
    onTestFinished(() => plain.close());
    const r = await fetch(`${plain.url}/public`);
    expect(r.headers.get('x-cache-status')).toBeNull();
  });

  it('serves an expired copy over an origin 503 only when told to (cache.useStale)', async () => {
    let failing = false;
    const origin = createServer((_req, res) => {
      res.statusCode = failing ? 503 : 200;
      res.setHeader('Cache-Control', failing ? 'no-store' : 'public, max-age=1, stale-if-error=60');
      res.end(failing ? 'down' : 'fresh copy');
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', () => r()));
    onTestFinished(() => new Promise<void>((r) => origin.close(() => r())));
    const addr = `127.0.0.1:${(origin.address() as AddressInfo).port}`;
    const told = await startNginx({ upstreams: [addr], cache: { useStale: ['http_503'] } });
    onTestFinished(() => told.close());
    const plain = await startNginx({ upstreams: [addr], cache: true });
    onTestFinished(() => plain.close());
    for (const lb of [told, plain]) expect(await (await fetch(`${lb.url}/p`)).text()).toBe('fresh copy');
    failing = true;
    const afterExpiry = async (url: string): Promise<[number, string | null]> => {
      const r = await eventually(
        async () => {
          const reply = await fetch(url);
          await reply.arrayBuffer();
          return reply.headers.get('x-cache-status') !== 'HIT' && reply;
        },
        { timeoutMs: 10_000, intervalMs: 100, what: `${url} expiring` },
      );
      return [r.status, r.headers.get('x-cache-status')];
    };
    expect(await afterExpiry(`${told.url}/p`)).toEqual([200, 'STALE']);
    // stale-if-error alone covers connection errors and timeouts, not a 503 the origin sends.
    expect(await afterExpiry(`${plain.url}/p`)).toEqual([503, 'EXPIRED']);
    await expect(startNginx({ upstreams: [addr], cache: { useStale: ['always' as never] } })).rejects.toThrow(
      /^cache\.useStale entries must be one of error, timeout, .* \(got "always"\)$/,
    );
  });

  it('answers 502 when no upstream is up, rather than hanging', async () => {
    const a = await upstream('a');
    await new Promise<void>((r) => a.server.close(() => r()));
    const lb = await startNginx({ upstreams: [a.addr] });
    onTestFinished(() => lb.close());
    expect((await get(lb.url)).status).toBe(502);
  });

  it('rejects bad options with the argument and the rule', async () => {
    await expect(startNginx({ upstreams: [] })).rejects.toThrow(HarnessArgumentError);
    await expect(startNginx({ upstreams: ['localhost'] })).rejects.toThrow(
      /upstreams entries must be host:port \(got "localhost"\)/,
    );
    await expect(startNginx({ upstreams: ['127.0.0.1:1'], balance: 'random' as 'least_conn' })).rejects.toThrow(
      /balance must be "round_robin" or "least_conn"/,
    );
    await expect(startNginx({ upstreams: ['127.0.0.1:1'], failTimeoutS: 0 })).rejects.toThrow(
      /failTimeoutS must be a positive integer/,
    );
  });
});
