import { eventually, faultyLink, privateRedis, redisClient } from '@poc/harness';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  StreamServiceError,
  consume,
  ensureGroup,
  isStreamError,
  pendingSummary,
  streamProducer,
} from '../src/index.ts';

async function serverWithClient(config?: Array<[string, string]>) {
  const server = await privateRedis(config ? { config } : {});
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // connection errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

describe('Redis failures and restarts (private server)', () => {
  it('rejects the consume loop with StreamServiceError when Redis goes away, instead of spinning or hanging', async () => {
    const { server, client } = await serverWithClient();
    await ensureGroup(client, 'jobs', 'workers');
    const abort = new AbortController();
    onTestFinished(() => abort.abort());
    let handled = 0;
    const running = consume<string>(client, {
      stream: 'jobs',
      group: 'workers',
      consumer: 'w',
      blockMs: 200,
      signal: abort.signal,
      handler: () => void handled++,
    }).catch((e: unknown) => e);
    await streamProducer<string>(client, { stream: 'jobs' }).add('before the outage');
    await eventually(() => handled === 1, { what: 'first message handled' });
    await eventually(async () => (await pendingSummary(client, 'jobs', 'workers')).count === 0, {
      what: 'first message acked',
    });

    await server.stop();

    const err = await running;
    expect(err).toBeInstanceOf(StreamServiceError);
    expect(isStreamError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(
      /^(XREADGROUP of "workers" on "jobs"|claiming idle messages of "workers" on "jobs") failed: /,
    );
  });

  it('rejects add() with StreamServiceError while the server is down', async () => {
    const { server, client } = await serverWithClient();
    await server.stop();
    const err = await streamProducer<string>(client, { stream: 'jobs' })
      .add('x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamServiceError);
    expect((err as Error).message).toMatch(/^XADD to "jobs" failed: /);
  });

  it('keeps un-acked messages claimable across a restart with appendonly + appendfsync always', async () => {
    const { server, client } = await serverWithClient([
      ['appendonly', 'yes'],
      ['appendfsync', 'always'],
    ]);
    await ensureGroup(client, 'jobs', 'workers');
    await streamProducer<{ n: number }>(client, { stream: 'jobs' }).addMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await client.xreadgroup('GROUP', 'workers', 'crashed', 'COUNT', 3, 'STREAMS', 'jobs', '>'); // read, never acked

    await server.kill(); // SIGKILL: what AOF fsynced is all that survives
    await server.start();

    expect(await pendingSummary(client, 'jobs', 'workers')).toEqual({ count: 3, consumers: { crashed: 3 } });
    const abort = new AbortController();
    onTestFinished(() => abort.abort());
    const handled: number[] = [];
    const running = consume<{ n: number }>(client, {
      stream: 'jobs',
      group: 'workers',
      consumer: 'survivor',
      claimIdleMs: 50,
      claimEveryMs: 25,
      blockMs: 100,
      signal: abort.signal,
      handler: ({ data }) => void handled.push(data.n),
    });
    await eventually(() => handled.length === 3, { what: 'the 3 pending messages handled after the restart' });
    abort.abort();
    expect(await running).toMatchObject({ delivered: 0, reclaimed: 3, acked: 3 });
    expect(handled).toEqual([1, 2, 3]);
  });

  it('counts one handler run when the start of a message is re-sent after its reply was lost', async () => {
    const { server, client } = await serverWithClient();
    const link = await faultyLink(new URL(server.url).host);
    onTestFinished(() => link.close());
    const viaLink = redisClient(link.via(server.url));
    viaLink.on('error', () => {}); // the reset is the point
    onTestFinished(() => void viaLink.disconnect());
    // Scripts and acks go through the link; the blocking read goes straight to Redis, so the next
    // reply through the link is a script's.
    viaLink.duplicate = (override = {}) => redisClient(server.url, override);
    await ensureGroup(client, 'jobs', 'workers');
    const producer = streamProducer<string>(client, { stream: 'jobs' });
    const seen: string[] = [];
    const abort = new AbortController();
    onTestFinished(() => abort.abort());
    const running = consume<string>(viaLink, {
      stream: 'jobs',
      group: 'workers',
      consumer: 'w',
      blockMs: 100,
      signal: abort.signal,
      handler: ({ data, deliveries }) => void seen.push(`${data}#${deliveries}`),
    });
    await producer.add('warm-up'); // loads the scripts: the reply lost below is one's result, not NOSCRIPT
    await eventually(async () => seen.length === 1 && (await pendingSummary(client, 'jobs', 'workers')).count === 0, {
      what: 'the warm-up handled and acked',
    });
    await viaLink.ping(); // answered after every earlier reply on that connection (the ack's included)

    const lost = link.dropNextReply();
    await producer.add('started twice');
    expect((await lost).toString()).toBe(':1\r\n'); // the first run counted run 1
    await eventually(async () => seen.length === 2 && (await pendingSummary(client, 'jobs', 'workers')).count === 0, {
      what: 'the message handled and acked',
    });
    abort.abort();
    await running;
    expect(seen).toEqual(['warm-up#1', 'started twice#1']);
    expect(await client.hlen('jobs:runs:workers')).toBe(0); // acked: its run count is gone too
  });
});
