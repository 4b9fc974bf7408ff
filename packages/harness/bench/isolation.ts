// Per-suite isolation cost on shared servers of one provider, in a process of its own: a process keeps
// one server per service (serverFor), so each provider gets its own process. harness.bench.ts runs
//   node --import tsx bench/isolation.ts <local|docker> <samples>
// and reads the measurements from the line starting with "RESULT ".
import { measure } from '../src/bench/index.ts';
import type { Measurement } from '../src/bench/schema.ts';
import { amqpNamespace, kafkaNamespace, postgresDatabase, redisNamespace } from '../src/services/index.ts';
import { provideServices } from '../src/services/servers.ts';

const provider = process.argv[2];
const samples = Number(process.argv[3] ?? 10);
if (provider !== 'local' && provider !== 'docker') throw new Error(`usage: isolation.ts <local|docker> <samples>`);
process.env.POC_PROVIDER = provider;
// Servers of this provider, started here: never the ones a whole-repo run or a bench session hands down.
for (const v of ['POC_REDIS_URL', 'POC_POSTGRES_URL', 'POC_AMQP_URL', 'POC_KAFKA_BROKERS']) delete process.env[v];

const session = await provideServices(['redis', 'postgres', 'rabbitmq', 'kafka']);
// Local ids keep the names earlier results used.
const id = (base: string): string => (provider === 'local' ? base : `${base}-${provider}`);
const results: Measurement[] = [];
try {
  results.push(
    await measure({
      id: id('suite-redis'),
      title: `Redis suite: namespace + first command + cleanup (${provider})`,
      samples: samples * 3,
      run: async () => {
        const ns = await redisNamespace();
        await ns.client().set('k', 'v');
        await ns.close();
      },
    }),
    await measure({
      id: id('suite-postgres'),
      title: `PostgreSQL suite: fresh database + first query (${provider})`,
      samples: samples * 3,
      run: async () => {
        const t0 = performance.now();
        const db = await postgresDatabase();
        const c = await db.client();
        await c.query('SELECT 1');
        const ms = performance.now() - t0;
        await db.close();
        return ms;
      },
    }),
    await measure({
      id: id('suite-rabbitmq'),
      title: `RabbitMQ suite: namespace + connection + queue declare + cleanup (${provider})`,
      samples: samples * 3,
      run: async () => {
        const ns = await amqpNamespace();
        const ch = await (await ns.connect()).createChannel();
        await ch.assertQueue(ns.name('q'));
        await ns.close();
      },
    }),
    await measure({
      id: id('suite-kafka'),
      title: `Kafka suite: namespace + 3 topics (4 partitions) with leaders (${provider})`,
      samples,
      run: async () => {
        const t0 = performance.now();
        const ns = await kafkaNamespace();
        await ns.createTopics(['a', 'b', 'c'].map((t) => ({ topic: ns.topic(t), numPartitions: 4 })));
        const ms = performance.now() - t0;
        await ns.close();
        return ms;
      },
    }),
  );
} finally {
  await session.close();
}
// Exit once the line is out: a client library's idle timer must not keep the process (and the bench) waiting.
process.stdout.write(`RESULT ${JSON.stringify(results)}\n`, () => process.exit(0));
