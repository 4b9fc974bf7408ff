// A Redis primary and a replica of it whose replication link runs through toxiproxy, so the replica can be
// made to lag (latency) or to stop following (cut) on a real server. Private servers, closed by close().
// A lab fixture shared by the tests, the demo and the bench (not exported by the index).
import { eventually, privateRedis, proxyTo, redisClient, type PrivateServer, type ProxiedServer } from '@poc/harness';
import type { Redis } from 'ioredis';
import { replicationState } from '../index.ts';

export interface ReplicatedRedis {
  primaryServer: PrivateServer;
  replicaServer: PrivateServer;
  /** The replication link (replica → primary) through toxiproxy. */
  link: ProxiedServer;
  primary: Redis;
  replica: Redis;
  /** Resolves once the replica has applied everything the primary has written (offsets equal). */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
}

const hostPort = (url: string): string => new URL(url).host;

export async function replicatedRedis(): Promise<ReplicatedRedis> {
  const closers: Array<() => Promise<unknown> | void> = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const primaryServer = await privateRedis();
    closers.push(() => primaryServer.close());
    const link = await proxyTo(hostPort(primaryServer.url), { name: 'replication' });
    closers.push(() => link.close());
    const [host, port] = link.listen.split(':') as [string, string];
    const replicaServer = await privateRedis({ config: [['replicaof', `${host} ${port}`]] });
    closers.push(() => replicaServer.close());
    const primary = redisClient(primaryServer.url);
    const replica = redisClient(replicaServer.url);
    for (const client of [primary, replica]) {
      client.on('error', () => {}); // while a server is down on purpose; commands report it
      closers.push(() => client.disconnect());
    }
    const caughtUp = async (): Promise<void> => {
      await eventually(
        async () => {
          const s = await replicationState(primary, replica);
          return s.linkUp && s.replicaOffset === s.primaryOffset;
        },
        { timeoutMs: 20_000, what: 'the replica caught up with the primary' },
      );
    };
    await caughtUp();
    return { primaryServer, replicaServer, link, primary, replica, caughtUp, close };
  } catch (e) {
    await close();
    throw e;
  }
}
