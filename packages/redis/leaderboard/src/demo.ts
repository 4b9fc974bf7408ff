// pnpm --filter poc-redis-leaderboard demo: a game leaderboard on a real Redis, ties and races included.
import { runMain } from '@poc/kit';
import { redisNamespace, serverFor } from '@poc/harness';
import { leaderboard, type AroundMe, type RankedEntry } from './index.ts';
import { naiveLeaderboard, type NaiveAroundMe } from './naive.ts';

const say = (line = ''): void => console.log(line);
const row = (x: RankedEntry, mark = ''): string =>
  `   rank ${String(x.rank).padStart(2)}  pos ${String(x.position).padStart(2)}  ${x.player.padEnd(7)} ${String(x.score).padStart(5)}${mark}`;
const showPage = (page: AroundMe): void => {
  for (const x of page.above) say(row(x));
  say(row(page.me, '   <- me'));
  for (const x of page.below) say(row(x));
};

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a fresh key prefix, deleted at the end
  const redis = ns.client();

  try {
    say(`Redis leaderboard demo (Redis ${server.version}, ${server.provider})`);
    const board = leaderboard(redis, 'season-1');

    say('\n1. Load eight players (ZADD), three of them tied on 250, and show the top 5 (ZREVRANGE WITHSCORES)');
    await board.setScores([
      ['alice', 300],
      ['bob', 250],
      ['carol', 250],
      ['dave', 250],
      ['erin', 200],
      ['frank', 120],
      ['grace', 90],
      ['heidi', 40],
    ]);
    for (const x of await board.top(5)) say(row(x));
    say('   ties share a rank (1-2-2-2-5); within a tie Redis lists player ids in descending order');

    say('\n2. Score updates with ZINCRBY (atomic, no read needed)');
    say(`   frank +130 -> ${await board.addScore('frank', 130)}`);
    say(`   heidi +400 -> ${await board.addScore('heidi', 400)}`);
    say(`   alice -30  -> ${await board.addScore('alice', -30)}`);
    for (const x of await board.top(5)) say(row(x));

    say('\n3. One player: rank (Lua: ZSCORE + ZREVRANK + ZCOUNT in one step)');
    for (const player of ['carol', 'erin']) {
      const r = await board.rank(player);
      say(`   ${player}: rank ${r?.rank}, position ${r?.position}, ${r?.score} points`);
    }
    say(`   zoe (never played): ${String(await board.rank('zoe'))}`);

    say('\n4. "Around me" pages, k = 2 (Lua: ZREVRANK, ZREVRANGE, ZCOUNT in one step)');
    say('   around bob (the page starts inside a tie: its first entry is 4th listed but ranked 3rd):');
    showPage((await board.around('bob', 2))!);
    say('   around heidi (first place: nobody above):');
    showPage((await board.around('heidi', 2))!);
    say('   around grace (last place: nobody below):');
    showPage((await board.around('grace', 2))!);

    const CLIENTS = 20;
    const EACH = 50;
    say(
      `\n5. ${CLIENTS} clients on ${CLIENTS} connections add 1 point ${EACH} times each to one player (expect ${CLIENTS * EACH})`,
    );
    const clients = Array.from({ length: CLIENTS }, () => ns.client());
    await Promise.all(
      clients.map(async (c) => {
        const b = naiveLeaderboard(c, 'race');
        for (let i = 0; i < EACH; i++) await b.addScore('naive', 1);
      }),
    );
    await Promise.all(
      clients.map(async (c) => {
        const b = leaderboard(c, 'race');
        for (let i = 0; i < EACH; i++) await b.addScore('zincrby', 1);
      }),
    );
    const race = leaderboard(redis, 'race');
    const naive = (await race.score('naive'))!;
    const exact = (await race.score('zincrby'))!;
    say(`   naive ZSCORE, add, ZADD: ${naive} -> ${CLIENTS * EACH - naive} points lost`);
    say(`   ZINCRBY:                 ${exact} -> ${CLIENTS * EACH - exact} points lost`);

    const READS = 100;
    say(`\n6. "Around me" read ${READS} times while 4 writers keep moving the player (+700 / -700 points)`);
    const churn = leaderboard(redis, 'churn');
    await churn.setScores(Array.from({ length: 200 }, (_, i) => [`p${String(i).padStart(3, '0')}`, i * 10] as const));
    await churn.setScore('me', 1_000);
    let stop = false;
    const writers = Array.from({ length: 4 }, async () => {
      const w = leaderboard(ns.client(), 'churn');
      while (!stop) {
        await w.addScore('me', 700);
        await w.addScore('me', -700);
      }
    });
    const centred = (page: AroundMe | NaiveAroundMe | undefined): boolean => page?.me?.player === 'me';
    let luaWrong = 0;
    let naiveWrong = 0;
    const naiveChurn = naiveLeaderboard(redis, 'churn');
    try {
      for (let i = 0; i < READS; i++) {
        if (!centred(await churn.around('me', 3))) luaWrong++;
        if (!centred(await naiveChurn.around('me', 3))) naiveWrong++;
      }
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    say(`   three round trips:  ${naiveWrong} of ${READS} pages had someone else (or nobody) where "me" should be`);
    say(`   one Lua script:     ${luaWrong} of ${READS}`);

    say('\n7. Bad input is refused before anything is sent');
    for (const bad of [() => board.addScore('', 10), () => board.addScore('ivan', NaN), () => board.top(0)]) {
      await bad().catch((e: unknown) => say(`   ${String(e)}`));
    }
    say('\ndone');
  } finally {
    await ns.close();
  }
});
