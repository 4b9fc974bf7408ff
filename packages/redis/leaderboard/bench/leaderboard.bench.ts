// pnpm --filter poc-redis-leaderboard bench
// The same 1 000 000 players, with the same scores, in a Redis sorted set and in two PostgreSQL tables:
// one with only a primary key on the player id, one with a B-tree index on (score, id) as well.
// 1. A random player's competition rank: leaderboard.rank() (Lua: ZSCORE, ZREVRANK, ZCOUNT) against
//    SELECT count(*) + 1 ... WHERE score > (the player's score), without and with the score index.
// 2. The top 10: leaderboard.top(10) (ZREVRANGE WITHSCORES) against ORDER BY score DESC, id DESC LIMIT 10.
// 3. The rank as a window function, rank() OVER (ORDER BY score DESC), timed on its own (too slow to interleave).
// Before timing, the bench checks that Redis and both tables agree on sampled ranks and on the top 10.
// SQL is the baseline of every ratio: redis ÷ sql ops/s. Every comparison interleaves its two sides
// round by round (harness compareThroughput), one caller at a time; the queries only read, so the
// state is the same for every round. The slow SQL queries (hundreds of ms) get few timed and warm-up
// calls per round (SLOW), so 9 rounds fit in the run time.
import { runMain } from '@poc/kit';
import {
  benchReport,
  compareThroughput,
  measure,
  postgresDatabase,
  redisClient,
  serverFor,
  uniqueName,
} from '@poc/harness';
import { leaderboard, type RankedEntry } from '../src/index.ts';

const PLAYERS = 1_000_000;
const DISTINCT_SCORES = 100_000; // about ten players share every score: ties are the normal case
const LOAD_BATCH = 100_000; // players per setScores() call (100 ZADDs of 1 000 in one pipeline)
// 9 rounds: the 95% interval of a median ratio is the 2nd to the 8th of the 9 per-round ratios.
const ROUNDS = 9;
const TIME_MS = 500;
// Comparisons with a query of hundreds of ms: per round at least 2 timed calls after 1 warm-up call
// (tinybench's minimums would otherwise be 10 and 16 calls, over 6 s per round at 250 ms a call).
const SLOW = { iterations: 2, warmupIterations: 1 } as const;
const WINDOW_SAMPLES = 3; // rank() OVER (...) takes seconds a call
const CHECKED_PLAYERS = 10;

// Player i (1..PLAYERS) is "p" + 7 digits and scores a scrambled (i * 2654435761) mod 100 000: the same
// expression in JS (exact below 2^53) and in SQL, so both stores hold identical data.
const MULTIPLIER = 2_654_435_761;
const playerId = (i: number): string => `p${String(i).padStart(7, '0')}`;
const scoreOf = (i: number): number => (i * MULTIPLIER) % DISTINCT_SCORES;
/** The player EXPLAIN plans the rank query for: 45 777 points, about 54% of the board above them. */
const PLAN_PLAYER = playerId(123_457);
const randomPlayer = (): string => playerId(1 + Math.floor(Math.random() * PLAYERS));
const seconds = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;
const progress = (line: string): void => void process.stderr.write(`  ${line}\n`);

const TABLES = { plain: 'players_plain', indexed: 'players_indexed' } as const;
type Table = (typeof TABLES)[keyof typeof TABLES];
const rankSql = (t: Table): string =>
  `SELECT count(*) + 1 AS rank FROM ${t} WHERE score > (SELECT score FROM ${t} WHERE id = $1)`;
const topSql = (t: Table): string => `SELECT id, score FROM ${t} ORDER BY score DESC, id DESC LIMIT 10`;
const windowSql = `SELECT rank FROM (SELECT id, rank() OVER (ORDER BY score DESC) AS rank FROM ${TABLES.plain}) ranked WHERE id = $1`;

runMain(async () => {
  const redisServer = await serverFor('redis');
  const prefix = `${uniqueName('boardbench')}:`;
  const redis = redisClient(redisServer.url, { keyPrefix: prefix });
  const admin = redisClient(redisServer.url); // no keyPrefix: for MEMORY USAGE, whose key ioredis does not prefix
  const board = leaderboard(redis, 'bench');
  const db = await postgresDatabase({ name: 'boardbench' });
  const pool = db.pool({ max: 2 });

  async function sqlRank(t: Table, player: string): Promise<number> {
    const { rows } = await pool.query<{ rank: string }>({ name: `rank-${t}`, text: rankSql(t), values: [player] });
    return Number(rows[0]!.rank);
  }
  async function sqlTop(t: Table): Promise<Array<[string, number]>> {
    const { rows } = await pool.query<{ id: string; score: number }>({ name: `top-${t}`, text: topSql(t) });
    return rows.map((r) => [r.id, r.score]);
  }

  /** "Finalize Aggregate > Gather > Partial Aggregate > Parallel Seq Scan; InitPlan: Index Scan (players_plain_pkey)": the plan's nodes, depth first. */
  async function planOf(sql: string): Promise<string> {
    interface Node {
      'Node Type': string;
      'Parallel Aware'?: boolean;
      'Partial Mode'?: string;
      'Index Name'?: string;
      'Parent Relationship'?: string;
      Plans?: Node[];
    }
    const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ Plan: Node }> }>(
      `EXPLAIN (FORMAT JSON) ${sql.replace('$1', `'${PLAN_PLAYER}'`)}`,
    );
    const main: string[] = [];
    const init: string[] = [];
    const walk = (n: Node, out: string[]): void => {
      const isInit = n['Parent Relationship'] === 'InitPlan' || n['Parent Relationship'] === 'SubPlan';
      const target = isInit ? init : out;
      const mode = n['Partial Mode'] && n['Partial Mode'] !== 'Simple' ? `${n['Partial Mode']} ` : '';
      target.push(
        `${mode}${n['Parallel Aware'] ? 'Parallel ' : ''}${n['Node Type']}${n['Index Name'] ? ` (${n['Index Name']})` : ''}`,
      );
      for (const child of n.Plans ?? []) walk(child, isInit ? init : out);
    };
    walk(rows[0]!['QUERY PLAN'][0]!.Plan, main);
    return `${main.join(' > ')}${init.length ? `; InitPlan: ${init.join(' > ')}` : ''}`;
  }

  try {
    const redisPersistence = (
      await Promise.all(
        ['appendonly', 'appendfsync', 'save'].map(async (name) => {
          const [, value] = (await admin.config('GET', name)) as [string, string];
          return `${name}=${value === '' ? '""' : value}`;
        }),
      )
    ).join(' ');
    const { rows: durability } = await pool.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name`,
    );
    const postgresDurability = `${durability.map((r) => `${r.name}=${r.setting}`).join(' ')} (the loader's session: synchronous_commit=on; the timed queries only read)`;
    const report = benchReport({
      parameters: {
        players: PLAYERS.toLocaleString('en-US'),
        distinctScores: DISTINCT_SCORES,
        redisLoad: `setScores() batches of ${LOAD_BATCH} (pipelined ZADD x 1000 players)`,
        postgresLoad: 'INSERT ... SELECT FROM generate_series, then CREATE INDEX, VACUUM ANALYZE',
        scoreIndex: `${TABLES.indexed} (score, id) B-tree; ${TABLES.plain} has only its primary key (id)`,
        rounds: ROUNDS,
        timePerVariantMs: TIME_MS,
        slowQueryCallsPerRound: `at least ${SLOW.iterations} timed after ${SLOW.warmupIterations} warm-up (besides ${TIME_MS} ms)`,
        connections: 'one ioredis client; pg pool of 2, prepared statements; one caller at a time',
        redisPersistence: redisPersistence,
        postgresDurability: postgresDurability,
      },
      services: ['redis', 'postgres'],
    });
    const settings = await pool.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('max_parallel_workers_per_gather', 'shared_buffers', 'work_mem') ORDER BY name`,
    );
    report.add({
      id: 'pg-settings',
      title: 'PostgreSQL settings (shared_buffers in 8 kB pages, work_mem in kB)',
      value: settings.rows.map((r) => `${r.name}=${r.setting}`).join(', '),
    });

    // --- load ---------------------------------------------------------------------------------------
    let t0 = performance.now();
    let added = 0;
    for (let from = 1; from <= PLAYERS; from += LOAD_BATCH) {
      const batch = Array.from(
        { length: Math.min(LOAD_BATCH, PLAYERS - from + 1) },
        (_, j) => [playerId(from + j), scoreOf(from + j)] as const,
      );
      added += await board.setScores(batch);
    }
    const redisLoad = seconds(t0);
    if (added !== PLAYERS || (await board.size()) !== PLAYERS)
      throw new Error(`Redis holds ${await board.size()} players, expected ${PLAYERS}`);
    progress(`redis: ${PLAYERS} players loaded in ${redisLoad} s`);
    report.add({ id: 'load-redis', title: `Load ${PLAYERS} players into Redis`, value: redisLoad, unit: 's' });

    t0 = performance.now();
    const loader = await db.client();
    // The shared test server runs with synchronous_commit=off. Hint bits cannot be set on rows whose
    // commit is not flushed yet, and then VACUUM leaves most pages out of the visibility map: the
    // "index-only" scan would visit the heap for most rows. A synchronous commit avoids that.
    await loader.query('SET synchronous_commit = on');
    for (const t of Object.values(TABLES)) {
      await loader.query(`CREATE TABLE ${t} (id text COLLATE "C" PRIMARY KEY, score integer NOT NULL)`);
      await loader.query(
        `INSERT INTO ${t} (id, score) SELECT 'p' || lpad(i::text, 7, '0'), (i::bigint * ${MULTIPLIER}) % ${DISTINCT_SCORES} FROM generate_series(1, ${PLAYERS}) AS i`,
      );
    }
    await loader.query(`CREATE INDEX ${TABLES.indexed}_score ON ${TABLES.indexed} (score, id)`);
    await loader.query(`VACUUM ANALYZE ${TABLES.plain}, ${TABLES.indexed}`); // fills the visibility map: count(*) needs no heap visits
    await loader.end();
    const pgLoad = seconds(t0);
    const { rows: visibility } = await pool.query<{ pages: string; visible: string }>(
      `SELECT sum(relpages) AS pages, sum(relallvisible) AS visible FROM pg_class WHERE relname IN ($1, $2)`,
      [TABLES.plain, TABLES.indexed],
    );
    report.add({
      id: 'all-visible',
      title: 'Heap pages marked all-visible after VACUUM (both tables)',
      value: `${visibility[0]!.visible} of ${visibility[0]!.pages}`,
    });
    progress(`postgres: 2 x ${PLAYERS} rows loaded, indexed and vacuumed in ${pgLoad} s`);
    report.add({
      id: 'load-postgres',
      title: `Load 2 tables x ${PLAYERS} rows into PostgreSQL, index, VACUUM ANALYZE`,
      value: pgLoad,
      unit: 's',
    });

    const memory = Number(await admin.memory('USAGE', `${prefix}${board.key}`, 'SAMPLES', '0'));
    report.add({
      id: 'size-redis',
      title: 'Redis memory for the sorted set',
      value: Math.round(memory / 2 ** 20),
      unit: 'MiB',
    });
    for (const t of Object.values(TABLES)) {
      const { rows } = await pool.query<{ bytes: string }>(`SELECT pg_total_relation_size($1) AS bytes`, [t]);
      report.add({
        id: `size-${t}`,
        title: `PostgreSQL size of ${t} with its indexes`,
        value: Math.round(Number(rows[0]!.bytes) / 2 ** 20),
        unit: 'MiB',
      });
    }

    // --- the stores agree before anything is timed ----------------------------------------------------
    const sample = [playerId(1), playerId(PLAYERS), ...Array.from({ length: CHECKED_PLAYERS - 2 }, randomPlayer)];
    for (const player of sample) {
      const inRedis = (await board.rank(player))!.rank;
      const plain = await sqlRank(TABLES.plain, player);
      const indexed = await sqlRank(TABLES.indexed, player);
      if (inRedis !== plain || inRedis !== indexed)
        throw new Error(`${player}: Redis rank ${inRedis}, SQL ${plain} / ${indexed}`);
    }
    const redisTop = (await board.top(10)).map((x: RankedEntry) => [x.player, x.score]);
    for (const t of Object.values(TABLES)) {
      if (JSON.stringify(await sqlTop(t)) !== JSON.stringify(redisTop))
        throw new Error(`top 10 differs between Redis and ${t}`);
    }
    progress(`checked: ranks of ${sample.length} players and the top 10 are identical in Redis and both tables`);
    report.add({
      id: 'agreement',
      title: 'Sampled players whose rank is identical in Redis and both SQL tables (top 10 identical too)',
      value: `${sample.length} of ${sample.length}`,
    });

    for (const [id, sql] of [
      ['plan-rank-plain', rankSql(TABLES.plain)],
      ['plan-rank-indexed', rankSql(TABLES.indexed)],
      ['plan-top-plain', topSql(TABLES.plain)],
      ['plan-top-indexed', topSql(TABLES.indexed)],
    ] as const) {
      report.add({
        id,
        title: `PostgreSQL plan: ${id.replace('plan-', '').replace('-', ' query, table ')}`,
        value: await planOf(sql),
      });
    }

    // --- timed ----------------------------------------------------------------------------------------
    const redisRank = async (): Promise<void> => void (await board.rank(randomPlayer()));
    const redisTop10 = async (): Promise<void> => void (await board.top(10));
    const comparisons = {
      rankPlain: await compareThroughput({
        id: 'rank-vs-sql-no-index',
        title: 'Rank of a random player: Redis rank() vs SQL count(*) WHERE score > $1, no index on score',
        variants: { 'sql count, no index': () => sqlRank(TABLES.plain, randomPlayer()), 'redis rank()': redisRank },
        rounds: ROUNDS,
        timeMs: TIME_MS,
        ...SLOW,
      }),
      rankIndexed: await compareThroughput({
        id: 'rank-vs-sql-index',
        title: 'Rank of a random player: Redis rank() vs SQL count(*) WHERE score > $1, B-tree index on (score, id)',
        variants: { 'sql count, index': () => sqlRank(TABLES.indexed, randomPlayer()), 'redis rank()': redisRank },
        rounds: ROUNDS,
        timeMs: TIME_MS,
        ...SLOW,
      }),
      topPlain: await compareThroughput({
        id: 'top10-vs-sql-no-index',
        title: 'Top 10: Redis top(10) vs SQL ORDER BY score DESC, id DESC LIMIT 10, no index on score',
        variants: { 'sql order by, no index': () => sqlTop(TABLES.plain), 'redis top(10)': redisTop10 },
        rounds: ROUNDS,
        timeMs: TIME_MS,
        ...SLOW,
      }),
      topIndexed: await compareThroughput({
        id: 'top10-vs-sql-index',
        title: 'Top 10: Redis top(10) vs SQL ORDER BY score DESC, id DESC LIMIT 10, B-tree index on (score, id)',
        variants: { 'sql order by, index': () => sqlTop(TABLES.indexed), 'redis top(10)': redisTop10 },
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    };
    for (const c of Object.values(comparisons)) report.add(c);

    report.add(
      await measure({
        id: 'rank-window-function',
        title: 'SQL rank() OVER (ORDER BY score DESC) for one random player, no index on score (checked against Redis)',
        samples: WINDOW_SAMPLES,
        warmup: 0,
        run: async () => {
          const player = randomPlayer();
          const t = performance.now();
          const { rows } = await pool.query<{ rank: string }>({
            name: 'rank-window',
            text: windowSql,
            values: [player],
          });
          const ms = performance.now() - t;
          const expected = (await board.rank(player))!.rank;
          if (Number(rows[0]!.rank) !== expected)
            throw new Error(`${player}: window rank ${rows[0]!.rank}, Redis ${expected}`);
          return ms;
        },
      }),
    );

    await report.finish(
      "On {param:players} players, a random player's rank from Redis was {ratio:rank-vs-sql-no-index/redis rank()} the throughput of " +
        'SQL count(*) without an index on score and {ratio:rank-vs-sql-index/redis rank()} with a B-tree index (index-only scan, still counting rows); ' +
        'top 10 was {ratio:top10-vs-sql-no-index/redis top(10)} SQL ORDER BY ... LIMIT 10 without an index and {ratio:top10-vs-sql-index/redis top(10)} with one.',
    );
  } finally {
    try {
      await redis.unlink(board.key);
    } finally {
      redis.disconnect();
      admin.disconnect();
      await db.close();
    }
  }
});
