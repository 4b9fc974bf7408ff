// pnpm --filter poc-redis-sessions demo: sessions as Redis hashes with sliding expiry, partial
// updates, revoke one / revoke all, bad ids, and the naive update that resurrects a session.
import { setTimeout as sleep } from 'node:timers/promises';
import { runMain } from '@poc/kit';
import { redisNamespace, serverFor } from '@poc/harness';
import { sessionStore } from './index.ts';
import { naiveUpdate } from './naive.ts';

const say = (line = ''): void => console.log(line);
const short = (id: string): string => `${id.slice(0, 8)}…`;

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a fresh key prefix, deleted at the end
  const redis = ns.client();
  const ttlOf = async (id: string): Promise<string> => {
    const ms = await redis.pttl(`sess:s:{${id}}`);
    return ms === -2 ? 'gone' : ms === -1 ? 'no TTL' : `${ms} ms`;
  };

  try {
    say(`Redis sessions demo (Redis ${server.version}, ${server.provider})`);
    const store = sessionStore({ redis, ttlMs: 1_000 });

    say('\n1. Log in on two devices (ttl 1000 ms, sliding)');
    const laptop = await store.create('alice', { device: 'laptop', theme: 'dark', cart: '0' });
    const phone = await store.create('alice', { device: 'phone', theme: 'dark', cart: '0' });
    say(
      `   laptop session ${short(laptop.id)} (${laptop.id.length} chars, 256 random bits), phone session ${short(phone.id)}`,
    );
    say(`   read laptop: ${JSON.stringify(await store.read(laptop.id))}`.replace(laptop.id, short(laptop.id)));

    say('\n2. Sliding expiry: only the laptop keeps reading');
    for (let i = 1; i <= 3; i++) {
      await sleep(500);
      await store.read(laptop.id);
      say(
        `   t=${String(i * 500).padStart(4)} ms  read laptop -> laptop ttl ${await ttlOf(laptop.id)}, phone ttl ${await ttlOf(phone.id)}`,
      );
    }
    say(
      `   phone: ${JSON.stringify(await store.read(phone.id))}; alice's live sessions: ${(await store.list('alice')).map(short).join(', ')}`,
    );

    say('\n3. Partial update: HSET of one field inside a script that checks the session exists');
    await store.update(laptop.id, { cart: '3' });
    const after = await store.read(laptop.id);
    say(`   update cart=3 -> data ${JSON.stringify(after.ok && after.session.data)}`);

    say('\n4. Revoke one, revoke all');
    const tablet = await store.create('alice', { device: 'tablet' });
    say(`   alice has ${(await store.list('alice')).length} live sessions`);
    say(
      `   revoke(tablet) -> ${await store.revoke(tablet.id)}; read tablet -> ${JSON.stringify(await store.read(tablet.id))}`,
    );
    for (let i = 0; i < 4; i++) await store.create('alice', { device: `browser-${i}` });
    say(
      `   revokeAll(alice) -> ${await store.revokeAll('alice')} sessions ended; read laptop -> ${JSON.stringify(await store.read(laptop.id))}`,
    );

    say('\n5. Bad ids are results, not exceptions');
    for (const id of ['', 'not-a-session-id', 'A'.repeat(43)])
      say(
        `   read(${JSON.stringify(id.length > 20 ? `${id.slice(0, 8)}…` : id)}) -> ${JSON.stringify(await store.read(id))}`,
      );

    say('\n6. Break it: a partial update with a plain HSET after the session expired');
    const bob = await store.create('bob', { cart: '1' });
    const carol = await store.create('carol', { cart: '1' });
    await sleep(1_200);
    say(`   both expired: bob ttl ${await ttlOf(bob.id)}, carol ttl ${await ttlOf(carol.id)}`);
    await naiveUpdate(redis, `sess:s:{${bob.id}}`, { cart: '2' });
    say(
      `   naive HSET on bob's  -> key is back with ${JSON.stringify(await redis.hgetall(`sess:s:{${bob.id}}`))}, ttl ${await ttlOf(bob.id)}  (a zombie that never expires)`,
    );
    say(
      `   store.update(carol's) -> ${JSON.stringify(await store.update(carol.id, { cart: '2' }))}, ttl ${await ttlOf(carol.id)}`,
    );

    say('\ndone');
  } finally {
    await ns.close();
  }
});
