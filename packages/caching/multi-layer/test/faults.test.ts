// When the subscription is lost (toxiproxy cuts only the subscriber's connection): invalidations published
// meanwhile never reach that process by pub/sub. During the cut it serves its L1 copy (stale, counted);
// after the link is back the pattern replays the stream and reads the new value, while the naive cache
// (pub/sub alone) stays stale although it hears later messages again. When the stream was trimmed past
// what the process missed, it empties its L1 instead. When Redis itself dies, reads of what L1 lacks fail
// with a ServiceError, and the subscription comes back with the server.
import {
  eventually,
  postgresDatabase,
  privateRedis,
  proxyTo,
  redisClient,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isMultiLayerError, multiLayerCache, type MultiLayerCache, type MultiLayerOptions } from '../src/index.ts';
import { itemLoader, seedItems, writeItem, type Item } from '../src/items.ts';
import { naiveMultiLayerCache } from '../src/naive.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'multi_layer_faults' });
  db = await postgresDatabase({ name: 'multi_layer_faults' });
  pool = db.pool();
  await seedItems(pool, 400);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

type Factory = (options: MultiLayerOptions<Item | null>) => MultiLayerCache<Item | null>;

/** A writer, and a reader whose subscriber connects through a proxy the test cuts. */
async function writerAndCutReader(create: Factory, name: string, streamMaxLen?: number) {
  const proxy = await proxyTo(new URL(ns.url).host, { name: 'multi_layer' });
  onTestFinished(() => proxy.close());
  const url = new URL(ns.url);
  url.host = proxy.listen;
  const subscriber = redisClient(url.toString(), { keyPrefix: ns.prefix });
  subscriber.on('error', () => {}); // the cut is expected; the cache tracks its state
  onTestFinished(() => void subscriber.disconnect());
  const common = { l1: { max: 1_000, ttlMs: 600_000 }, l2: { ttlMs: 600_000 }, name, streamMaxLen };
  const writer = create({ ...common, loader: itemLoader(pool), redis: ns.client(), subscriber: ns.client() });
  const reader = create({ ...common, loader: itemLoader(pool), redis: ns.client(), subscriber });
  await writer.start();
  await reader.start();
  onTestFinished(() => Promise.all([writer.close(), reader.close()]).then(() => undefined));
  return { proxy, writer, reader };
}

const write = async (cache: MultiLayerCache<Item | null>, key: string, value: string): Promise<void> => {
  await writeItem(pool, key, value);
  await cache.invalidate(key);
};

describe('the subscriber connection is cut (toxiproxy), then restored', () => {
  it.each([
    { what: 'multiLayerCache', create: multiLayerCache as Factory, name: 'cut-pattern', after: 'v2', staleAfter: 0 },
    {
      what: 'naive (pub/sub only)',
      create: naiveMultiLayerCache as Factory,
      name: 'cut-naive',
      after: 'v1',
      staleAfter: 10,
    },
  ])(
    '$what: serves its stale L1 copy during the cut; once the link is back it reads $after',
    async ({ create, name, after, staleAfter }) => {
      const key = name === 'cut-pattern' ? 'item:1' : 'item:2';
      const { proxy, writer, reader } = await writerAndCutReader(create, name);
      expect((await reader.get(key))?.value).toBe('v1');
      expect((await reader.read(key)).layer).toBe('l1');

      await proxy.cut();
      await eventually(() => reader.state === 'detached', { what: 'the reader to notice the cut' });
      await write(writer, key, 'v2');
      expect((await writer.get(key))?.value).toBe('v2');
      const during = await reader.read(key);
      expect(during).toMatchObject({ value: { value: 'v1' }, layer: 'l1' }); // stale: the message was lost
      expect(reader.stats().l1HitsDetached).toBe(1);

      await proxy.restore();
      await eventually(() => reader.state === 'attached', { what: 'the reader to resubscribe' });
      // Pub/sub works again for both: a later write elsewhere is heard...
      await write(writer, 'item:3', 'v2');
      await eventually(() => reader.stats().heard === 1, { what: 'the reader to hear a later write' });
      // ...but only the replay brought back the one sent during the cut.
      let stale = 0;
      for (let i = 0; i < 10; i++) if ((await reader.get(key))?.value !== 'v2') stale++;
      expect(stale).toBe(staleAfter);
      expect((await reader.get(key))?.value).toBe(after);
      expect(reader.stats().replayed).toBe(create === multiLayerCache ? 1 : 0);
    },
  );

  it('empties L1 when the stream was trimmed past what the reader missed (the gap cannot be replayed)', async () => {
    const { proxy, writer, reader } = await writerAndCutReader(multiLayerCache, 'gap', 10);
    for (const k of ['item:1', 'item:2']) await reader.get(k);
    await proxy.cut();
    await eventually(() => reader.state === 'detached', { what: 'the reader to notice the cut' });
    await write(writer, 'item:1', 'v2');
    // MAXLEN ~ trims whole stream nodes (100 entries): 300 more invalidations push item:1's out.
    for (let i = 100; i < 400; i++) await writer.invalidate(`item:${i}`);
    await proxy.restore();
    await eventually(() => reader.state === 'attached', { what: 'the reader to resubscribe' });
    expect(reader.stats()).toMatchObject({ clears: 1, replayed: 0 });
    expect(await reader.read('item:1')).toMatchObject({ value: { value: 'v2' }, layer: 'loader' }); // L2 deleted by the write
    expect((await reader.read('item:2')).layer).toBe('l2'); // emptied too: L1 could not know it was safe
  });
});

describe('when Redis dies (a private server)', () => {
  it('serves what L1 holds, surfaces a ServiceError for the rest, and resubscribes once the server is back', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    // The subscriber reconnects long before the command client, so the first catch-up fails and is retried.
    const redis = redisClient(server.url, { enableOfflineQueue: false, retryStrategy: () => 1_000 });
    const subscriber = redisClient(server.url, { retryStrategy: () => 20 });
    for (const c of [redis, subscriber]) c.on('error', () => {});
    onTestFinished(() => void (redis.disconnect(), subscriber.disconnect()));
    const cache = multiLayerCache<Item | null>({
      loader: itemLoader(pool),
      redis,
      subscriber,
      name: 'dies',
      l1: { max: 100, ttlMs: 600_000 },
      l2: { ttlMs: 600_000 },
    });
    await cache.start();
    onTestFinished(() => cache.close());
    await cache.get('item:1');

    await server.kill();
    await eventually(() => cache.state === 'detached', { what: 'the cache to notice' });
    expect((await cache.read('item:1')).layer).toBe('l1');
    const err = await cache.get('item:2').catch((e: unknown) => e);
    expect(isMultiLayerError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^reading dies:l2:item:2 failed: /);

    await server.start();
    await eventually(() => cache.state === 'attached', { what: 'the cache to resubscribe' });
    expect((await cache.read('item:2')).layer).toBe('loader'); // the restarted server kept nothing
  });
});
