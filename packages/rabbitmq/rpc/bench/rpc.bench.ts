// pnpm --filter poc-rabbitmq-rpc bench: calls/s of the direct reply-to client vs a client that declares,
// consumes and deletes a reply queue per call, side by side in one process (compareLoad: the same
// concurrency, rounds interleaved and rotated by the harness, ratios taken within a round). Both call the
// same server (its own connection, prefetch SERVER_PREFETCH, a handler that returns at once); each client
// has its own connection and one channel; a call is timed from call() to its reply decoded.
// amqp-connection-manager 5.0.0 is not compared: it reconnects and re-creates channels (ChannelWrapper) but
// has no request/reply helper; an RPC client on it is this same code on a managed channel.
import { amqpNamespace, benchProfile, benchReport, compareLoad, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { rpcClient, rpcServer } from '../src/index.ts';
import { queuePerCallClient } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const CONCURRENCY = 20;
const DURATION_MS = SHORT ? 1_000 : 4_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const SERVER_PREFETCH = 50;

interface Req {
  n: number;
}

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'rpc_bench' });
  try {
    const queue = ns.name('requests');
    const report = benchReport({
      parameters: {
        concurrency: `${CONCURRENCY} calls in flight per client`,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        server: `one rpcServer, own connection, prefetch ${SERVER_PREFETCH}, handler returns { n } at once`,
        clients: 'each its own connection and one channel',
        timed: 'call() -> reply decoded',
        durability:
          'none on purpose: request queue non-durable, messages transient, no publisher confirms (a reply is the confirmation); replies via direct reply-to are never stored',
        broker: `RabbitMQ ${server.version} (${server.provider})`,
        'amqp-connection-manager': 'not compared: 5.0.0 has no request/reply helper (reconnecting channels only)',
        warmup: '200 untimed calls per client',
      },
      services: ['rabbitmq'],
    });
    await rpcServer<Req, Req>(await ns.connect(), { queue, prefetch: SERVER_PREFETCH, handler: (req) => req });
    const direct = await rpcClient<Req, Req>(await ns.connect(), { queue, timeoutMs: 30_000 });
    const perCall = await queuePerCallClient<Req, Req>(await ns.connect(), { queue, timeoutMs: 30_000 });
    let n = 0;
    const check = async (client: typeof direct): Promise<void> => {
      const mine = n++;
      const reply = await client.call({ n: mine });
      if (reply.n !== mine) throw new Error(`call ${mine} got the reply to ${reply.n}`);
    };
    for (const client of [direct, perCall]) await Promise.all(Array.from({ length: 200 }, () => check(client))); // warm-up, untimed

    report.add(
      await compareLoad({
        id: 'calls',
        title: `RPC calls/s, ${CONCURRENCY} concurrent callers on one channel`,
        variants: { 'direct reply-to': () => check(direct), 'queue per call': () => check(perCall) },
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );
    await report.finish(
      'Own claim (no roadmap figure for #66): direct reply-to vs a reply queue declared and deleted per call, calls/s ratio queue-per-call ÷ direct = {ratio:calls/queue per call}.',
    );
  } finally {
    await ns.close();
  }
});
