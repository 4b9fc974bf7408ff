// pnpm --filter poc-redis-pubsub demo: fan-out to topic and user channels, a subscriber that goes
// offline and misses messages (and a stream reader that does not), and a slow subscriber that Redis
// cuts off once its output buffer passes client-output-buffer-limit.
import { eventually, privateRedis, redisClient, redisNamespace, serverFor, uniqueName } from '@poc/harness';
import { runMain } from '@poc/kit';
import {
  channelOf,
  feedWriter,
  openFeedReader,
  publisher,
  subscribe,
  type Notification,
  type Subscription,
} from './index.ts';

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a fresh key prefix for the streams, deleted at the end
  const redis = ns.client();
  const namespace = uniqueName('notify'); // channels are not keys: a unique namespace keeps them apart
  const say = (line = ''): void => console.log(line);
  const open: Subscription[] = [];

  try {
    say(`Redis pub/sub notifications demo (Redis ${server.version}, ${server.provider})`);

    say('\n1. Fan-out: 3 subscribers on "news", 1 on "user:alice", each on its own connection');
    const pub = publisher<string>(redis, { namespace });
    const inbox = new Map<string, Array<Notification<string>>>();
    const listen = async (who: string, topic: string): Promise<void> => {
      inbox.set(who, []);
      open.push(
        await subscribe<string>(redis, { namespace, topics: [topic], handler: (n) => void inbox.get(who)!.push(n) }),
      );
    };
    for (const who of ['web-1', 'web-2', 'web-3']) await listen(who, 'news');
    await listen('alice-phone', 'user:alice');
    say(`   PUBLISH news       -> ${await pub.publish('news', 'maintenance at 02:00 UTC')} receivers`);
    say(`   PUBLISH user:alice -> ${await pub.publish('user:alice', 'your order shipped')} receiver`);
    say(
      `   PUBLISH user:bob   -> ${await pub.publish('user:bob', 'your invoice is ready')} receivers (nobody subscribed: gone)`,
    );
    await eventually(() => [...inbox.values()].every((got) => got.length === 1));
    for (const [who, [n]] of inbox)
      say(`   ${who.padEnd(11)} got ${n!.topic}: "${n!.data}" after ${(n!.receivedAt - n!.sentAt).toFixed(2)} ms`);

    say('\n2. At-most-once: user:7 goes offline for m2 and m3');
    const got: string[] = [];
    const handler = (n: Notification<string>): void => void got.push(n.data);
    const writer = feedWriter<string>(redis, { stream: 'feed:user:7', maxLen: 1_000 });
    const reader = await openFeedReader<string>(redis, { stream: 'feed:user:7' });
    const seen: string[] = [];
    let sub = await subscribe<string>(redis, { namespace, topics: ['user:7'], handler });
    const send = async (m: string): Promise<string> => {
      const receivers = await pub.publish('user:7', m);
      await writer.append(m);
      return `${m}: PUBLISH -> ${receivers} receiver${receivers === 1 ? '' : 's'}, XADD -> stored`;
    };
    say(`   ${await send('m1')}`);
    await eventually(() => got.length === 1);
    seen.push(...(await reader.read()).map((e) => e.data));
    const lastSeen = reader.lastId;
    await sub.close();
    reader.close();
    say(`   subscriber and stream reader disconnect (the reader remembers last id ${lastSeen})`);
    say(`   ${await send('m2')}`);
    say(`   ${await send('m3')}`);
    sub = await subscribe<string>(redis, { namespace, topics: ['user:7'], handler });
    open.push(sub);
    const back = await openFeedReader<string>(redis, { stream: 'feed:user:7', from: lastSeen });
    say('   both reconnect');
    say(`   ${await send('m4')}`);
    await eventually(() => got.length === 2);
    seen.push(...(await back.read()).map((e) => e.data));
    back.close();
    say(`   pub/sub subscriber got: ${got.join(', ')}   (missed m2, m3)`);
    say(`   stream reader got:      ${seen.join(', ')}   (XREAD from ${lastSeen} caught up)`);

    say('\n3. A subscriber that stops reading, on a private Redis with client-output-buffer-limit pubsub 64kb 32kb 10');
    const priv = await privateRedis({ config: [['client-output-buffer-limit', 'pubsub 64kb 32kb 10']] });
    try {
      const admin = redisClient(priv.url);
      let fast = 0;
      const fastSub = await subscribe<string>(admin, {
        namespace: 'ticker',
        topics: ['prices'],
        connectionName: 'fast-sub',
        handler: () => void fast++,
      });
      const slow = redisClient(priv.url, { connectionName: 'slow-sub' });
      slow.on('error', () => {});
      let slowGot = 0;
      slow.on('message', () => void slowGot++);
      await slow.subscribe(channelOf('ticker', 'prices'));
      slow.stream.pause(); // its process stops reading: a blocked event loop, a long GC, a slow link
      const tickPub = publisher<string>(admin, { namespace: 'ticker' });
      const payload = 'x'.repeat(8 * 1024);
      const counts: number[] = [];
      let maxBuffered = 0;
      const t0 = performance.now();
      for (let alive = true; alive;) {
        for (let i = 0; i < 4; i++) counts.push(await tickPub.publish('prices', payload));
        const list = (await admin.client('LIST')) as string;
        const omem = /name=slow-sub [^\n]*omem=(\d+)/.exec(list)?.[1];
        if (omem === undefined) alive = false;
        else maxBuffered = Math.max(maxBuffered, Number(omem));
      }
      const elapsed = performance.now() - t0;
      const next = await tickPub.publish('prices', payload);
      counts.push(next);
      await eventually(() => fast === counts.length);
      const cut = new Promise<void>((resolve) => slow.once('close', () => resolve()));
      slow.stream.resume();
      await cut;
      const before = counts.length - 1;
      say(
        `   ${before} PUBLISH calls of 8 KiB completed in ${elapsed.toFixed(0)} ms while slow-sub read nothing: none waited for it`,
      );
      say(
        `   CLIENT LIST showed up to ${(maxBuffered / 1024).toFixed(0)} KiB queued in Redis for slow-sub (sampled every 4 messages,`,
      );
      say(`   after the kernel's socket buffers had filled); past the 64 KiB hard limit Redis closed its connection`);
      say(
        `   receivers per PUBLISH: ${[...new Set(counts.slice(0, before))].join('/')} while it was connected, ${next} for the next one`,
      );
      say(
        `   fast-sub got ${fast}/${counts.length}; slow-sub got ${slowGot}/${counts.length}: the rest was dropped with its buffer`,
      );
      slow.disconnect();
      await fastSub.close();
      admin.disconnect();
    } finally {
      await priv.close();
    }
    say('\ndone');
  } finally {
    await Promise.all(open.map((s) => s.close()));
    await ns.close();
  }
});
