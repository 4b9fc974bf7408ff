// Three real processes (src/node.ts), each with its own L1, over one Redis and one PostgreSQL: a write in
// one drops the L1 copies of the two others; a process whose subscriber link toxiproxy cuts serves its
// stale copy during the cut and, once the link is back, reads the new value only if it replays the stream
// (the naive cache stays stale); cache-manager's tiers (the peer) never tell the other processes.
import {
  eventually,
  postgresDatabase,
  proxyTo,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { seedItems, type Item } from '../src/items.ts';
import type { NodeConfig } from '../src/protocol.ts';
import { startNode, type Node } from '../src/lab/nodes.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'multi_layer_procs' });
  db = await postgresDatabase({ name: 'multi_layer_procs' });
  await seedItems(db.pool(), 20);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

describe('three processes, each with its own L1', () => {
  /** Three processes; the subscriber of the third connects through `cutUrl` when given. */
  async function three(variant: NodeConfig['variant'], name: string, cutUrl?: string): Promise<Node[]> {
    const control = ns.client();
    const nodes = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        startNode(control, {
          id: `${name}-${id}`,
          variant,
          redisUrl: ns.url,
          subscriberUrl: id === 'c' ? cutUrl : undefined,
          prefix: ns.prefix,
          dbUrl: db.url,
          name,
          l1TtlMs: 600_000,
        }),
      ),
    );
    onTestFinished(() => Promise.all(nodes.map((n) => n.worker.kill())).then(() => undefined));
    return nodes;
  }
  const valueOf = (x: unknown): string | undefined => (x as Item | null)?.value;

  it('a write in one process drops the L1 copy in the two others: they read the new value', async () => {
    const [a, b, c] = await three('pattern', 'procs');
    for (const n of [a!, b!, c!]) expect(valueOf(await n.get('item:10'))).toBe('v1');
    for (const n of [b!, c!]) expect(valueOf(await n.get('item:10'))).toBe('v1'); // now an L1 hit
    expect(await b!.status()).toMatchObject({ l1Hits: 1 });

    await a!.write('item:10', 'v2');
    await eventually(
      async () => {
        for (const n of [b!, c!]) if (valueOf(await n.get('item:10')) !== 'v2') return false;
        return true;
      },
      { what: 'b and c to read v2' },
    );
    for (const n of [b!, c!]) expect((await n.status()).heard).toBe(1);
    expect(b!.applied()).toEqual([expect.stringMatching(/^applied message item:10 /)]);
  });

  it.each([
    { what: 'multiLayerCache', variant: 'pattern' as const, key: 'item:12', after: 'v2' },
    { what: 'naive (pub/sub only)', variant: 'naive' as const, key: 'item:13', after: 'v1' },
  ])(
    '$what: the process whose subscriber was cut (toxiproxy) reads $after once its link is back',
    async ({ variant, key, after }) => {
      const proxy = await proxyTo(new URL(ns.url).host, { name: 'multi_layer_procs' });
      onTestFinished(() => proxy.close());
      const url = new URL(ns.url);
      url.host = proxy.listen;
      const [a, b, c] = await three(variant, `cut-${variant}`, url.toString());
      for (const n of [a!, b!, c!]) expect(valueOf(await n.get(key))).toBe('v1');
      await proxy.cut();
      await eventually(async () => (await c!.status()).state === 'detached', { what: 'c to notice the cut' });
      await a!.write(key, 'v2');
      await eventually(async () => valueOf(await b!.get(key)) === 'v2', { what: 'b to read v2' });
      expect(valueOf(await c!.get(key))).toBe('v1'); // stale during the cut, counted:
      expect((await c!.status()).l1HitsDetached).toBe(1);
      await proxy.restore();
      await eventually(async () => (await c!.status()).state === 'attached', { what: 'c to resubscribe' });
      expect(valueOf(await c!.get(key))).toBe(after);
    },
  );

  it('peer: cache-manager tiers leave the other processes on the old value after a write (until the TTL)', async () => {
    const [a, b, c] = await three('peer', 'peer');
    for (const n of [a!, b!, c!]) expect(valueOf(await n.get('item:11'))).toBe('v1'); // a loads, b and c read Redis
    for (const n of [a!, b!, c!]) expect(valueOf(await n.get('item:11'))).toBe('v1'); // each from its memory tier
    for (const n of [a!, b!, c!]) expect((await n.status()).memoryHits).toBe(1);

    await a!.write('item:11', 'v2'); // PostgreSQL updated, then cache.del() on every tier of a
    expect(valueOf(await a!.get('item:11'))).toBe('v2');
    let stale = 0;
    for (let i = 0; i < 20; i++) for (const n of [b!, c!]) if (valueOf(await n.get('item:11')) === 'v1') stale++;
    expect(stale).toBe(40); // b and c never hear of the write: their memory tier answers every read
    for (const n of [b!, c!]) expect(await n.status()).toEqual({ dbLoads: 0, memoryHits: 21 });
  });
});
