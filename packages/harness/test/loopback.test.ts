// Every server the harness starts is reachable from this machine only: a laptop on a café's network
// must not be open while the tests run. Each service's whole process tree (and anything listening on
// a port reserved for it, such as a RabbitMQ node's epmd) may listen on loopback addresses only.
import { readFileSync, statSync } from 'node:fs';
import amqp from 'amqplib';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SERVICES, type ServiceName } from '../src/services/definitions.ts';
import { privateRedis, redisClient, startNginx } from '../src/services/index.ts';
import { probePostgres, probeRedis } from '../src/services/probes.ts';
import { eventually } from '../src/testing/index.ts';
import { descendants } from '../src/services/local/processes.ts';
import { startLocalRabbitmq } from '../src/services/local/rabbitmq.ts';
import { isLoopback, listenersOn, listeningSocketsOf, type ListeningSocket } from '../src/services/local/sockets.ts';
import type { LocalProcessServer } from '../src/services/local/start.ts';

/** Listening sockets of a server: its tree's, and those on ports reserved for it (whoever holds them). */
function socketsOf(ports: readonly number[], leader: number | undefined): ListeningSocket[] {
  const roots = [...(leader ? [leader] : []), ...ports.flatMap(listenersOn)];
  const pids = [...new Set(roots.flatMap((p) => [p, ...descendants(p)]))];
  return listeningSocketsOf(pids);
}

const shown = (sockets: ListeningSocket[]): string[] => sockets.map((s) => `${s.address}:${s.port}`).sort();

describe('servers listen on loopback only', () => {
  it.each(Object.keys(SERVICES) as ServiceName[])('%s (local provider)', async (name) => {
    const local: LocalProcessServer = await SERVICES[name].startLocal();
    onTestFinished(() => local.dir.dispose());
    const sockets = socketsOf(local.dir.ports, local.dir.child?.pid);
    expect(sockets.map((s) => s.port)).toContain(local.port);
    expect(shown(sockets.filter((s) => !isLoopback(s.address)))).toEqual([]);
  });

  it('nginx (local provider)', async () => {
    const nginx = await startNginx({ upstreams: ['127.0.0.1:9'] });
    onTestFinished(() => nginx.close());
    const sockets = socketsOf([nginx.port], undefined);
    expect(sockets.map((s) => s.port)).toContain(nginx.port);
    expect(shown(sockets.filter((s) => !isLoopback(s.address)))).toEqual([]);
  });
});

describe('RabbitMQ nodes', () => {
  it('get a random cookie and password each, refuse guest/guest, and their epmd stops with them', async () => {
    const [a, b] = await Promise.all([startLocalRabbitmq(), startLocalRabbitmq()]);
    onTestFinished(() => Promise.all([a.dir.dispose(), b.dir.dispose()]).then(() => undefined));
    const password = (n: LocalProcessServer): string => decodeURIComponent(new URL(n.url).password);
    for (const n of [a, b]) {
      expect(new URL(n.url).username).toBe('poc');
      expect(password(n)).toMatch(/^[0-9a-f]{48}$/); // 192 random bits
      const conn = await amqp.connect(n.url);
      await conn.close();
      const guest = new URL(n.url);
      guest.username = 'guest';
      guest.password = 'guest';
      await expect(amqp.connect(guest.toString())).rejects.toThrow(/ACCESS_REFUSED|403/);
    }
    expect(password(a)).not.toBe(password(b));
    const cookie = (n: LocalProcessServer): string => readFileSync(join(n.dir.path, '.erlang.cookie'), 'utf8');
    for (const n of [a, b]) {
      expect(cookie(n)).toMatch(/^[0-9A-F]{64}$/); // 256 random bits
      for (const port of n.dir.ports) expect(cookie(n)).not.toContain(String(port));
    }
    expect(cookie(a)).not.toBe(cookie(b));
    const epmdPort = a.dir.ports[2]!;
    expect(listenersOn(epmdPort)).not.toEqual([]);
    await a.dir.dispose();
    expect(listenersOn(epmdPort)).toEqual([]);
  });
});

describe('Redis', () => {
  it('requires a random password, read from an owner-only file, and a private replica still syncs', async () => {
    const server = await SERVICES.redis.startLocal();
    onTestFinished(() => server.dir.dispose());
    const password = decodeURIComponent(new URL(server.url).password);
    expect(password).toMatch(/^[0-9a-f]{48}$/); // 192 random bits
    const open = new URL(server.url);
    open.password = '';
    await expect(probeRedis(open.toString())).rejects.toThrow(/NOAUTH/);
    await probeRedis(server.url);
    // The password reaches the server in a file only its owner can read (redis-server rewrites its
    // process title, so its command line would not show it anyway, but only after it has started).
    const auth = join(server.dir.path, 'auth.conf');
    expect(readFileSync(auth, 'utf8')).toContain(`requirepass ${password}`);
    expect(statSync(auth).mode & 0o777).toBe(0o600);

    const primary = redisClient(server.url);
    onTestFinished(() => void primary.disconnect());
    await primary.set('k', 'from the primary');
    const replica = await privateRedis({ config: [['replicaof', `127.0.0.1 ${server.port}`]] });
    onTestFinished(() => replica.close());
    const reader = redisClient(replica.url);
    onTestFinished(() => void reader.disconnect());
    await eventually(async () => (await reader.get('k')) === 'from the primary', {
      timeoutMs: 20_000,
      what: 'the replica to sync from its password-protected primary',
    });
  });
});

describe('PostgreSQL', () => {
  it('requires a random password over TCP', async () => {
    const server = await SERVICES.postgres.startLocal();
    onTestFinished(() => server.dir.dispose());
    const password = decodeURIComponent(new URL(server.url).password);
    expect(password).toMatch(/^[0-9a-f]{48}$/); // 192 random bits
    const open = new URL(server.url);
    open.password = '';
    await expect(probePostgres(open.toString())).rejects.toThrow(/password/);
    const wrong = new URL(server.url);
    wrong.password = 'postgres';
    await expect(probePostgres(wrong.toString())).rejects.toThrow(/password authentication failed/);
    expect(await probePostgres(server.url)).toMatch(/^\d+\.\d+/);
  });
});
