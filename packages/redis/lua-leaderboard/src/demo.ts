// pnpm --filter poc-redis-lua-leaderboard demo: one board updated by a Lua script, then the same update
// written as round trips and as MULTI, side by side under the interleavings that tell them apart.
import { holdReplies, redisNamespace, serverFor } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { disagreements, type Leaderboard, type ScoreUpdate } from './index.ts';
import { decisionRead, everyStep, freeRun, once, variants, type Variant } from './race.ts';

const say = (line = ''): void => console.log(line);
const ORDER: Variant[] = ['round trips', 'multi', 'script'];
const pad = (variant: Variant): string => `${variant}:`.padEnd(13);

runMain(async () => {
  const server = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  try {
    say(`Lua leaderboard demo (Redis ${server.version}, ${server.provider})`);
    let boards = 0;
    const fresh = (variant: Variant, topN = 2): Leaderboard =>
      variants[variant](ns.client(), { name: `demo${++boards}`, topN });

    say();
    say('1. Updates through one script: ZINCRBY + history entry + cached top 3, each in one step');
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const board = variants.script(ns.client(), { name: 'arena', topN: 3, historyLength: 5, clock });
    const show = (u: ScoreUpdate, delta: number): string =>
      `   ${u.player.padEnd(6)} ${delta >= 0 ? '+' : ''}${delta} -> ${String(u.score).padEnd(4)} top version ${u.topVersion}${u.topChanged ? ' (top changed)' : ''}`;
    for (const [player, delta] of [
      ['alice', 30],
      ['bob', 20],
      ['carol', 15],
      ['dave', 5],
      ['alice', 12],
      ['dave', 3],
    ] as const) {
      say(show(await board.addScore(player, delta), delta));
      await clock.advance(60_000);
    }
    const top = await board.top();
    say(
      `   cached top, version ${top.version}: ${top.entries.map((e, i) => `${i + 1}. ${e.player} ${e.score}`).join('  ')}`,
    );
    const history = await board.history('alice');
    say(
      `   alice's history: ${history.map((h) => `+${h.delta} -> ${h.score} at ${new Date(h.at).toISOString().slice(11, 16)}`).join(', ')}`,
    );

    say();
    say('2. The same update id twice (a caller retrying, or ioredis re-sending after a lost reply)');
    for (let i = 0; i < 2; i++) {
      const u = await board.addScore('bob', 10, { updateId: 'bonus-7' });
      say(`   bob +10 (id "bonus-7") -> ${u.score}, replayed: ${u.replayed}`);
    }
    say(
      `   bob has ${(await board.snapshot(['bob'])).players[0]!.score} points, ${(await board.history('bob')).length} history entries`,
    );

    say();
    say(
      '3. A reader between the steps of one update (alice 30, bob 20; bob +20; one read after each reply the writer hears)',
    );
    for (const variant of ORDER) {
      const name = `demo${++boards}`;
      const reading = variants[variant](ns.client(), { name, topN: 2 });
      const seen: string[][] = [];
      const held = holdReplies(ns.client(), everyStep[variant], async () => {
        seen.push(disagreements(await reading.snapshot(['bob'])));
      });
      const filler = variants[variant](ns.client(), { name, topN: 2 });
      await filler.addScore('alice', 30);
      await filler.addScore('bob', 20);
      await variants[variant](held, { name, topN: 2 }).addScore('bob', 20);
      const torn = seen.filter((p) => p.length > 0);
      say(
        `   ${pad(variant)} ${torn.length} of ${seen.length} reads disagree${torn.length ? `, first: ${torn[0]!.join('; ')}` : ''}`,
      );
    }

    say();
    say("4. Writer B's whole update (bob +50) between writer A's read and its write (bob +5)");
    for (const variant of ORDER) {
      const b = fresh(variant);
      await b.addScore('alice', 30);
      await b.addScore('bob', 20);
      let versionB = 0;
      const heldA = holdReplies(
        ns.client(),
        [decisionRead[variant]],
        once(async () => (versionB = (await b.addScore('bob', 50)).topVersion)),
      );
      const versionA = (await variants[variant](heldA, { name: b.name, topN: 2 }).addScore('bob', 5)).topVersion;
      const problems = disagreements(await b.snapshot(['alice', 'bob']));
      say(
        `   ${pad(variant)} top versions A ${versionA}, B ${versionB}; ${problems.length ? problems.join('; ') : 'cache, scores and history agree'}`,
      );
    }

    say();
    const WRITERS = 8;
    const UPDATES = 100;
    say(`5. ${WRITERS} writers x ${UPDATES} updates on 4 players (top 2), a reader snapshotting all the while`);
    const clients = Array.from({ length: WRITERS }, () => ns.client());
    const reader = ns.client();
    for (const variant of ORDER) {
      const run = await freeRun(variant, clients, reader, {
        name: `demo${++boards}`,
        updates: UPDATES,
        players: ['p0', 'p1', 'p2', 'p3'],
        topN: 2,
      });
      say(
        `   ${pad(variant)} ${run.torn} of ${run.reads} reads disagreed; at the end: ${run.final.length ? `${run.final.length} disagreement(s)` : 'all agree'}; points ${run.points} of ${run.sent} sent`,
      );
    }
    say();
    say('done');
  } finally {
    await ns.close();
  }
});
