// pnpm --filter poc-caching-multi-layer bench: (1) the same item reads on a hot/cold key set straight from
// PostgreSQL, through Redis alone (cache-aside, L2 only), through multiLayerCache (L1 + L2) and through
// cache-manager's two tiers (memory + @keyv/redis), with the hit ratio of every layer stored next to the
// ratios; (2) multiLayerCache against cache-manager alone; (3) the staleness window across three
// processes: from the commit of a write to the moment the last other process has dropped its L1 copy,
// over many writes; (4) stale reads by another process after a write, for both caches.
import {
  benchReport,
  compareLoad,
  latencySummary,
  postgresDatabase,
  postgresDurability,
  redisNamespace,
  summarize,
} from '@poc/harness';
import { benchProfile } from '@poc/harness/bench';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { multiLayerCache, type Loader } from '../src/index.ts';
import { hotColdKeys, itemLoader, seedItems, writeItem, type Item } from '../src/items.ts';
import { preciseNow } from '../src/protocol.ts';
import { cacheManagerTiers, type CacheManagerTiers } from '../src/peer.ts';
import { startNode } from '../src/lab/nodes.ts';

const KEYS = 10_000;
const HOT = 1_000;
const HOT_SHARE = 0.9;
const SEED = 17; // warm-up reads; the timed reads use SEED + 1 (another sequence of the same distribution)
const L1_MAX = 2_000;
const TTL_MS = 10 * 60_000;
const CONCURRENCY = 8;
const DURATION_MS = 2_000;
const ROUNDS = 5;
const WARM_READS = 20_000;
const short = benchProfile() === 'short';
const STALENESS_WRITES = short ? 30 : 300;
const AFTER_WRITE_READS = 100;

/** Cache-aside on Redis alone (what poc-redis-kv-cache does): the "L2 only" side. */
function l2Only(redis: Redis, loader: Loader<Item | null>) {
  let hits = 0;
  let loads = 0;
  return {
    stats: () => ({ hits, loads }),
    async get(key: string): Promise<Item | null> {
      const raw = await redis.get(`l2only:${key}`);
      if (raw !== null) return (hits++, JSON.parse(raw) as Item | null);
      loads++;
      const value = await loader(key);
      await redis.set(`l2only:${key}`, JSON.stringify(value), 'PX', TTL_MS);
      return value;
    },
  };
}

runMain(async () => {
  const [ns, db] = await Promise.all([redisNamespace({ name: 'ml_bench' }), postgresDatabase({ name: 'ml_bench' })]);
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const pool = db.pool({ max: CONCURRENCY + 2 });
    await seedItems(pool, KEYS);
    const loader = itemLoader(pool);
    const keysFor = (seed: number): (() => string) => hotColdKeys({ keys: KEYS, hot: HOT, hotShare: HOT_SHARE, seed });

    const multi = multiLayerCache<Item | null>({
      loader,
      redis: ns.client(),
      subscriber: ns.client(),
      name: 'bench',
      l1: { max: L1_MAX, ttlMs: TTL_MS },
      l2: { ttlMs: TTL_MS },
    });
    await multi.start();
    closers.push(() => multi.close());
    const aside = l2Only(ns.client(), loader);
    const peer: CacheManagerTiers<Item | null> = cacheManagerTiers({
      loader,
      redisUrl: ns.url,
      namespace: `${ns.prefix}cm`,
      l1Max: L1_MAX,
      ttlMs: TTL_MS,
    });
    closers.push(() => peer.close());

    // The same untimed reads into every cache, so every variant starts equally warm.
    const warm = async (get: (key: string) => Promise<unknown>): Promise<void> => {
      const next = keysFor(SEED);
      for (let i = 0; i < WARM_READS; i += CONCURRENCY)
        await Promise.all(Array.from({ length: CONCURRENCY }, () => get(next())));
    };
    await warm((k) => multi.get(k));
    await warm((k) => aside.get(k));
    await warm((k) => peer.get(k));
    const at = { multi: multi.stats(), aside: aside.stats(), peerLoads: peer.loads, peerMemory: peer.memoryHits };
    const peerReads = { n: 0 };
    const keys = {
      postgres: keysFor(SEED + 1),
      'l2-only': keysFor(SEED + 1),
      'multi-layer': keysFor(SEED + 1),
      'cache-manager': keysFor(SEED + 1),
    };

    const report = benchReport({
      parameters: {
        keys: `${KEYS} items in PostgreSQL; ${HOT_SHARE * 100}% of reads go to ${HOT} hot keys, the rest uniform over all (seed ${SEED} for the warm-up reads, ${SEED + 1} for the timed reads)`,
        l1: `lru-cache, max ${L1_MAX} entries, ttl ${TTL_MS} ms (the same lru-cache size for cache-manager's memory tier)`,
        l2: `Redis, ttl ${TTL_MS} ms, no eviction (no maxmemory)`,
        warmReads: WARM_READS,
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        connections:
          'multi-layer: 2 ioredis (commands, subscriber); l2-only: 1 ioredis; cache-manager: 1 node-redis (@keyv/redis); PostgreSQL pool shared',
        stalenessWrites: STALENESS_WRITES,
        afterWriteReads: AFTER_WRITE_READS,
        postgres: await postgresDurability(pool),
        redis: 'shared server, no persistence',
      },
      services: ['redis', 'postgres'],
    });

    const read = await compareLoad({
      id: 'read',
      title: `Item reads (hot/cold keys), ${CONCURRENCY} concurrent callers, ratio to Redis alone (L2 only)`,
      baseline: 'l2-only',
      variants: {
        postgres: () => loader(keys.postgres()),
        'l2-only': () => aside.get(keys['l2-only']()),
        'multi-layer': () => multi.get(keys['multi-layer']()),
        'cache-manager': () => (peerReads.n++, peer.get(keys['cache-manager']())),
      },
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(read);
    const m = multi.stats();
    const mReads = m.l1Hits + m.l2Hits + m.loads - (at.multi.l1Hits + at.multi.l2Hits + at.multi.loads);
    const a = aside.stats();
    const aReads = a.hits + a.loads - (at.aside.hits + at.aside.loads);
    const pct = (part: number, whole: number): number => Math.round((1000 * part) / Math.max(1, whole)) / 10;
    const facts: Array<[string, string, number]> = [
      ['hit-l1', 'multi-layer: reads answered by L1', pct(m.l1Hits - at.multi.l1Hits, mReads)],
      ['hit-l2', 'multi-layer: reads answered by L2 (Redis)', pct(m.l2Hits - at.multi.l2Hits, mReads)],
      [
        'hit-multi',
        'multi-layer: reads answered by a cache (L1 + L2)',
        pct(mReads - (m.loads - at.multi.loads), mReads),
      ],
      ['hit-l2-only', 'l2-only: reads answered by Redis', pct(a.hits - at.aside.hits, aReads)],
      [
        'hit-cm-memory',
        'cache-manager: reads answered by its memory tier',
        pct(peer.memoryHits - at.peerMemory, peerReads.n),
      ],
      [
        'hit-cm',
        'cache-manager: reads answered by a tier (memory + Redis)',
        pct(peerReads.n - (peer.loads - at.peerLoads), peerReads.n),
      ],
    ];
    for (const [id, title, value] of facts)
      report.add({ id, title: `Hit ratio, ${title} (timed runs)`, value, unit: '%' });

    report.add(
      await compareLoad({
        id: 'peer',
        title: `The same reads, multi-layer against cache-manager's tiers, ${CONCURRENCY} concurrent callers`,
        baseline: 'cache-manager',
        variants: {
          'cache-manager': () => peer.get(keys['cache-manager']()),
          'multi-layer': () => multi.get(keys['multi-layer']()),
        },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );

    // Staleness across three processes: this one writes, two spawned ones hold the key in their L1.
    const control = ns.client();
    const nodes = await Promise.all(
      ['b', 'c'].map((id) =>
        startNode(control, {
          id: `stale-${id}`,
          variant: 'pattern',
          redisUrl: ns.url,
          prefix: ns.prefix,
          dbUrl: db.url,
          name: 'bench',
          l1TtlMs: TTL_MS,
        }),
      ),
    );
    closers.push(() => Promise.all(nodes.map((n) => n.worker.kill())));
    const windows: number[] = [];
    for (let i = 0; i < STALENESS_WRITES; i++) {
      const key = `item:${KEYS + 1 + i}`;
      await Promise.all(nodes.map((n) => n.get(key))); // now in their L1
      await writeItem(pool, key, `w${i}`);
      const committed = preciseNow();
      await multi.invalidate(key);
      const seen = await Promise.all(nodes.map((n) => n.worker.waitForLine(`applied message ${key} `)));
      windows.push(Math.max(...seen.map((line) => Number(line.split(' ').at(-1)))) - committed);
    }
    report.add({
      id: 'staleness',
      title: `Staleness window: commit of a write → the last of 2 other processes has dropped its L1 copy (ms, ${STALENESS_WRITES} writes)`,
      unit: 'ms',
      summary: summarize(windows),
    });
    const lat = latencySummary(windows);
    report.add({ id: 'staleness-p99', title: 'Staleness window, p99 over the writes', value: lat.p99, unit: 'ms' });
    report.add({ id: 'staleness-max', title: 'Staleness window, max over the writes', value: lat.max, unit: 'ms' });

    // Stale reads by another process right after a write returned, both caches (in this process, each
    // reader with its own L1 and connections).
    const staleAfterWrite = async (
      writer: { invalidate(key: string): Promise<unknown> },
      reader: { get(key: string): Promise<Item | null> },
      key: string,
    ): Promise<number> => {
      await writer.invalidate(key);
      await reader.get(key);
      await writeItem(pool, key, 'after');
      await writer.invalidate(key);
      let stale = 0;
      for (let i = 0; i < AFTER_WRITE_READS; i++) if ((await reader.get(key))?.value !== 'after') stale++;
      return stale;
    };
    const otherMulti = multiLayerCache<Item | null>({
      loader,
      redis: ns.client(),
      subscriber: ns.client(),
      name: 'bench',
      l1: { max: L1_MAX, ttlMs: TTL_MS },
      l2: { ttlMs: TTL_MS },
    });
    await otherMulti.start();
    closers.push(() => otherMulti.close());
    const otherPeer = cacheManagerTiers({
      loader,
      redisUrl: ns.url,
      namespace: `${ns.prefix}cm`,
      l1Max: L1_MAX,
      ttlMs: TTL_MS,
    });
    closers.push(() => otherPeer.close());
    const afterTitle = `reads of the old value by another process among its ${AFTER_WRITE_READS} reads right after a write returned`;
    report.add({
      id: 'stale-multi',
      title: `multi-layer: ${afterTitle}`,
      value: await staleAfterWrite(multi, otherMulti, 'item:2'),
      unit: 'reads',
    });
    report.add({
      id: 'stale-cm',
      title: `cache-manager: ${afterTitle}`,
      value: await staleAfterWrite(peer, otherPeer, 'item:3'),
      unit: 'reads',
    });

    await report.finish(
      "This POC's own claim: reads through an in-process L1 over Redis ÷ reads from Redis alone = {ratio:read/multi-layer} " +
        '(hit ratios: L1 {fact:hit-l1}, L1 + L2 {fact:hit-multi}; Redis alone {fact:hit-l2-only}); ÷ cache-manager with the same two tiers = ' +
        '{ratio:peer/multi-layer} (its memory tier {fact:hit-cm-memory}). After a write, the last of two other processes had dropped its L1 copy ' +
        '{measure:staleness} after the commit (median of {param:stalenessWrites} writes; p99 {fact:staleness-p99}); cache-manager served the old ' +
        'value to another process in {fact:stale-cm} of the {param:afterWriteReads} reads after a write (multi-layer: {fact:stale-multi}).',
    );
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await Promise.all([ns.close(), db.close()]);
  }
});
