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

// What a SIGKILL of Redis can and cannot show about durability. Redis write()s the AOF before it answers
// a command, so every acknowledged XADD and XREADGROUP is in the kernel's page cache when the process
// dies, and the restarted server reads it back whether or not it was fsynced: a process kill keeps the
// page cache (and the harness keeps server data on tmpfs, where fsync writes nothing to a disk). Only a
// power loss or a crash of the machine or VM drops what was not fsynced, so on this machine no test can
// tell `appendfsync always` from `appendfsync no`: the two AOF rows pass alike, which is the point they
// make. What a kill does tell apart is AOF on or off: the same steps without persistence lose it all.
describe('acknowledged messages across a SIGKILL of Redis (private server)', () => {
  /** 3 acknowledged XADDs, read by a consumer that never acks them; then SIGKILL and start again. */
  async function readThenKill(config: Array<[string, string]>) {
    const { server, client } = await serverWithClient(config);
    await ensureGroup(client, 'jobs', 'workers');
    await streamProducer<{ n: number }>(client, { stream: 'jobs' }).addMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await client.xreadgroup('GROUP', 'workers', 'crashed', 'COUNT', 3, 'STREAMS', 'jobs', '>'); // read, never acked

    await server.kill(); // SIGKILL: no shutdown, so Redis writes nothing more to its AOF
    await server.start();
    return client;
  }

  const withAof: Array<{ setting: string; config: Array<[string, string]> }> = [
    {
      setting: 'AOF + fsync always',
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ],
    },
    {
      setting: 'AOF + fsync no',
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'no'],
      ],
    },
  ];
  it.each(withAof)(
    'keeps un-acked messages claimable after a SIGKILL of Redis with $setting (a process kill keeps the page cache: it cannot tell fsync always from no)',
    async ({ config }) => {
      const client = await readThenKill(config);

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
    },
  );

  it('loses the acknowledged messages, the group and its pending list after the same SIGKILL without persistence', async () => {
    const client = await readThenKill([]);

    expect(await client.xlen('jobs')).toBe(0);
    const err = await pendingSummary(client, 'jobs', 'workers').catch((e: unknown) => e);
    expect(isStreamError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^XPENDING of "workers" on "jobs" failed: NOGROUP /);
  });
});
