// pnpm --filter poc-rabbitmq-rpc demo: request/reply on a real RabbitMQ — direct reply-to, 200 concurrent
// calls on one channel, a timeout and its late reply, a client that matches replies by order, and the
// cost of a reply queue per call.
import { amqpNamespace, eventually, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { rpcClient, rpcServer, type RpcServer } from './index.ts';
import { inOrderClient, queuePerCallClient } from './naive.ts';

const say = (line = ''): void => console.log(line);

interface Req {
  n: number;
}

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' }); // queue names of its own, removed at the end
  try {
    const conn = await ns.connect();
    say(`RabbitMQ RPC demo (RabbitMQ ${server.version}, ${server.provider})`);

    say('\n1. 200 concurrent calls on one client channel, two servers answering out of order');
    const queue = ns.name('square');
    const handler = async ({ n }: Req): Promise<{ n: number; square: number }> => {
      for (let i = 0; i < (n * 7) % 13; i++) await new Promise((r) => setImmediate(r));
      return { n, square: n * n };
    };
    const servers = [
      await rpcServer(conn, { queue, prefetch: 50, handler }),
      await rpcServer(conn, { queue, prefetch: 50, handler }),
    ];
    const client = await rpcClient<Req, { n: number; square: number }>(conn, { queue, timeoutMs: 5_000 });
    const replies = await Promise.all(Array.from({ length: 200 }, (_, n) => client.call({ n })));
    const wrong = replies.filter((r, n) => r.n !== n || r.square !== n * n).length;
    say(
      `   replies ${replies.length}, to the wrong caller ${wrong}; served by the two servers ${servers.map((s) => s.served).join(' + ')}`,
    );
    say(`   reply queues declared: 0 (replies come back on amq.rabbitmq.reply-to, matched by correlation id)`);

    say('\n2. A call that times out, and its reply arriving late');
    const slowQueue = ns.name('slow');
    let release: (() => void) | undefined;
    const slow: RpcServer = await rpcServer<Req, Req>(conn, {
      queue: slowQueue,
      handler: (req) => new Promise<Req>((r) => (release = () => r(req))),
    });
    const slowClient = await rpcClient<Req, Req>(conn, { queue: slowQueue, timeoutMs: 300 });
    await slowClient.call({ n: 1 }).catch((e: unknown) => say(`   ${String(e)}`));
    await eventually(() => release !== undefined);
    release!();
    await eventually(() => slowClient.stats.lateReplies === 1);
    say(`   late replies discarded: ${slowClient.stats.lateReplies}, calls still waiting: ${slowClient.stats.pending}`);
    await slow.stop();

    say('\n3. Break it: a client that matches replies by order (the server answers request 1 before request 0)');
    const orderQueue = ns.name('order');
    const ordered: RpcServer = await rpcServer<Req, Req>(conn, {
      queue: orderQueue,
      prefetch: 2,
      handler: async (req) => {
        if (req.n === 0) await eventually(() => ordered.served >= 1);
        return req;
      },
    });
    const naive = await inOrderClient<Req, Req>(conn, { queue: orderQueue });
    const got = await Promise.all([naive.call({ n: 0 }), naive.call({ n: 1 })]);
    say(`   caller 0 got the reply to ${got[0]!.n}, caller 1 got the reply to ${got[1]!.n}`);

    say('\n4. The same 200 calls with a reply queue declared and deleted per call');
    const perCall = await queuePerCallClient<Req, { n: number; square: number }>(conn, { queue });
    let t0 = performance.now();
    await Promise.all(Array.from({ length: 200 }, (_, n) => perCall.call({ n })));
    const perCallMs = performance.now() - t0;
    t0 = performance.now();
    await Promise.all(Array.from({ length: 200 }, (_, n) => client.call({ n })));
    const directMs = performance.now() - t0;
    say(`   queue per call: 200 calls, 3 extra broker round trips each (declare, consume, delete)`);
    say(
      `   one run on this machine: queue per call ${perCallMs > directMs ? 'slower' : 'not slower'} than direct reply-to (the bench measures it)`,
    );
    say('\ndone');
  } finally {
    await ns.close();
  }
});
