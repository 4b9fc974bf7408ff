// pnpm --filter poc-redis-lua-basics bench: this POC's own claim (the roadmap gives none for #16), that
// calling a cached script by its hash beats sending its text with every call, by a margin that grows with
// the script. The same vote script at three sizes, each variant on a connection of its own with the same
// callers, warm-up and fresh keys, interleaved rounds:
//   - EVAL (text every call): src/naive.ts evalEveryTime, the baseline;
//   - EVALSHA (this POC): luaScripts, EVALSHA with @poc/redis-lua's NOSCRIPT fallback;
//   - ioredis defineCommand: the client library's own EVALSHA-with-fallback, as its README shows it.
// The larger sizes are the same script padded with comment lines: the server does the same work per call,
// so what differs is the text's cost (sending it, reading it, hashing it to find the cached script).
// Writes bench/results.json (never by hand); the README's "Measured" is rendered from it.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchReport, compareLoad, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import { POLL_SCRIPTS, luaScripts } from '../src/index.ts';
import { evalEveryTime } from '../src/naive.ts';

const CONCURRENCY = 16;
const DURATION_MS = 800;
const WARMUP_MS = 300;
const ROUNDS = 6;
const VOTERS = 1_000; // voter ids cycle: after the first pass every call takes the "already voted" path
const SIZES: Array<{ id: string; bytes?: number }> = [
  { id: 'as-written' },
  { id: '8-KiB', bytes: 8 * 1024 },
  { id: '64-KiB', bytes: 64 * 1024 },
];

type DefinedVote = (ballots: string, tally: string, voter: string, option: string) => Promise<unknown>;

/** vote-2.lua padded with comment lines at its end to `bytes`, in a folder of its own. */
function paddedCopy(root: string, source: string, id: string, bytes?: number): URL {
  const dir = join(root, id);
  mkdirSync(dir);
  let text = source;
  const line = `-- padding: a larger script stands here; the comment costs nothing once compiled ${'.'.repeat(40)}\n`;
  while (bytes !== undefined && text.length + line.length <= bytes) text += line;
  if (bytes !== undefined) text += `--${'.'.repeat(bytes - text.length - 3)}\n`;
  writeFileSync(join(dir, 'vote-2.lua'), text);
  return pathToFileURL(`${dir}/`);
}

runMain(async () => {
  const ns = await redisNamespace({ name: 'lua_basics_bench' }); // a key prefix of its own
  const root = mkdtempSync(join(tmpdir(), 'lua-basics-bench-'));
  try {
    const clients = { eval: ns.client(), evalsha: ns.client(), ioredis: ns.client() };
    await Promise.all(Object.values(clients).map((c) => c.ping()));
    const config = async (name: string): Promise<string> =>
      ((await clients.eval.config('GET', name)) as string[])[1] ?? '?';
    const durability = async (): Promise<string> => {
      const [aof, save] = [await config('appendonly'), await config('save')];
      return `shared server: appendonly=${aof}, save="${save}"${aof === 'no' && save === '' ? ' (no persistence)' : ''}`;
    };
    const source = luaScripts(clients.eval, POLL_SCRIPTS).script('vote-2.lua').source;

    const sized = SIZES.map(({ id, bytes }) => {
      const options = { folder: paddedCopy(root, source, id, bytes), files: ['vote-2.lua'] as const };
      const evalsha = luaScripts(clients.evalsha, options);
      const command = `vote_${id.replace(/\W/g, '_')}`;
      clients.ioredis.defineCommand(command, { numberOfKeys: 2, lua: evalsha.script('vote-2.lua').source });
      const defined = (clients.ioredis as unknown as Record<string, DefinedVote>)[command]!.bind(clients.ioredis);
      return {
        id,
        size: evalsha.script('vote-2.lua').source.length,
        eval: evalEveryTime(clients.eval, options),
        evalsha,
        defined,
      };
    });

    const report = benchReport({
      parameters: {
        concurrency: CONCURRENCY,
        connections: 'one per variant (3), shared by its callers',
        durationMsPerVariantPerRound: DURATION_MS,
        warmupMsPerVariant: WARMUP_MS,
        rounds: ROUNDS,
        scriptBytes: sized.map((s) => `${s.id}=${s.size}`).join(', '),
        padding: 'comment lines appended to vote-2.lua (same work per call on the server)',
        operation: `vote-2.lua: HSETNX + HINCRBY or HGET, then HGET; voters cycle over ${VOTERS} ids`,
        redisDurability: await durability(),
        ioredis: 'defineCommand (EVALSHA, EVAL on NOSCRIPT)',
      },
      services: ['redis'],
    });
    for (const s of sized)
      report.add({ id: `bytes-${s.id}`, title: `Script text, ${s.id}`, value: s.size, unit: 'bytes' });

    for (const s of sized) {
      const keys = (variant: string): [string, string] => [
        `poll:{${s.id}-${variant}}:ballots`,
        `poll:{${s.id}-${variant}}:tally`,
      ];
      // Same reply from every variant before anything is timed.
      const first = [
        await s.eval.run('vote-2.lua', keys('eval'), ['v0', 'tea']),
        await s.evalsha.run('vote-2.lua', keys('evalsha'), ['v0', 'tea']),
        await s.defined(...keys('ioredis'), 'v0', 'tea'),
      ];
      if (new Set(first.map((r) => JSON.stringify(r))).size !== 1)
        throw new Error(`${s.id}: the variants answered differently: ${JSON.stringify(first)}`);
      const n = { eval: 1, evalsha: 1, ioredis: 1 };
      report.add(
        await compareLoad({
          id: s.id,
          title: `One vote, ${CONCURRENCY} callers, script text ${s.size} bytes`,
          variants: {
            EVAL: () => s.eval.run('vote-2.lua', keys('eval'), [`v${n.eval++ % VOTERS}`, 'tea']),
            EVALSHA: () => s.evalsha.run('vote-2.lua', keys('evalsha'), [`v${n.evalsha++ % VOTERS}`, 'tea']),
            'ioredis defineCommand': () => s.defined(...keys('ioredis'), `v${n.ioredis++ % VOTERS}`, 'tea'),
          },
          concurrency: CONCURRENCY,
          durationMs: DURATION_MS,
          warmupMs: WARMUP_MS,
          rounds: ROUNDS,
        }),
      );
    }

    await report.finish(
      "This POC's own claim (the roadmap gives none for #16): calling a cached script by its hash beats sending its text with every call, " +
        'by more as the script grows. EVALSHA ÷ EVAL (text every call), {param:concurrency} callers: {ratio:as-written/EVALSHA} ' +
        'for the vote script as written ({fact:bytes-as-written}), {ratio:8-KiB/EVALSHA} at {fact:bytes-8-KiB} and ' +
        '{ratio:64-KiB/EVALSHA} at {fact:bytes-64-KiB}; ioredis defineCommand ÷ EVAL: {ratio:as-written/ioredis defineCommand}, ' +
        '{ratio:8-KiB/ioredis defineCommand} and {ratio:64-KiB/ioredis defineCommand}.',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
    await ns.close();
  }
});
