import amqp from 'amqplib';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  amqpNamespace,
  kafkaClient,
  kafkaNamespace,
  privateRabbitmq,
  provideServices,
  proxyTo,
  redisClient,
  serverFor,
} from '../src/services/index.ts';

describe('rabbitmq namespaces', () => {
  it('hands out unique names and deletes the suite’s queues on close', async () => {
    const a = await amqpNamespace();
    const b = await amqpNamespace();
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => undefined));
    expect(a.name('jobs')).not.toBe(b.name('jobs'));
    const ch = await (await a.connect()).createChannel();
    await ch.assertQueue(a.name('jobs'), { durable: true });
    ch.sendToQueue(a.name('jobs'), Buffer.from('x'));
    expect((await ch.checkQueue(a.name('jobs'))).queue).toBe(a.name('jobs'));

    await a.close();
    const probe = await amqp.connect(a.url);
    onTestFinished(() => probe.close());
    probe.on('error', () => {});
    const pch = await probe.createChannel();
    pch.on('error', () => {});
    await expect(pch.checkQueue(a.name('jobs'))).rejects.toThrow(/NOT_FOUND/);
  });
});

describe('kafka namespaces', () => {
  it('creates the suite’s topics with their partitions and deletes them on close', async () => {
    const ns = await kafkaNamespace();
    onTestFinished(() => ns.close());
    const topic = ns.topic('orders');
    await ns.createTopics([{ topic, numPartitions: 3 }]);
    const admin = kafkaClient(ns.brokers).admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);
    expect(ns.groupId('g')).toMatch(new RegExp(`^${ns.prefix}\\.g$`));

    await ns.close();
    // Topic deletion is asynchronous in Kafka: the name disappears from the topic list.
    const deadline = Date.now() + 10_000;
    while ((await admin.listTopics()).includes(topic) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await admin.listTopics()).not.toContain(topic);
  });
});

describe('toxiproxy', () => {
  it('forwards to the real server, cuts the link on demand and restores it', async () => {
    const redis = await serverFor('redis');
    const proxied = await proxyTo(new URL(redis.url).host);
    onTestFinished(() => proxied.close());
    const client = redisClient(proxied.via(redis.url), { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    onTestFinished(() => void client.disconnect());
    expect(await client.ping()).toBe('PONG');

    await proxied.cut();
    await expect(client.ping()).rejects.toThrow();

    await proxied.restore();
    // ioredis reconnects by itself once the link is back.
    const deadline = Date.now() + 10_000;
    let answer: string | undefined;
    while (!answer && Date.now() < deadline) answer = await client.ping().catch(() => undefined);
    expect(answer).toBe('PONG');
  });

  it('adds latency as a toxic on the proxy', async () => {
    const redis = await serverFor('redis');
    const proxied = await proxyTo(new URL(redis.url).host);
    onTestFinished(() => proxied.close());
    await proxied.addLatency(50, 5);
    const toxics = (await (
      await fetch(new URL(`/proxies/${proxied.proxy.name}/toxics`, (await serverFor('toxiproxy')).url))
    ).json()) as Array<{
      type: string;
      attributes: { latency: number; jitter: number };
    }>;
    expect(toxics).toEqual([expect.objectContaining({ type: 'latency', attributes: { latency: 50, jitter: 5 } })]);
    await proxied.restore();
    expect(
      await (await fetch(new URL(`/proxies/${proxied.proxy.name}/toxics`, (await serverFor('toxiproxy')).url))).json(),
    ).toEqual([]);
  });
});

describe('private brokers', () => {
  it('restarts a RabbitMQ node on the same address with its durable queues', async () => {
    const server = await privateRabbitmq();
    onTestFinished(() => server.close());
    const before = await amqp.connect(server.url);
    before.on('error', () => {});
    const ch = await before.createChannel();
    await ch.assertQueue('kept', { durable: true });
    await server.restart();
    const after = await amqp.connect(server.url);
    onTestFinished(() => after.close());
    expect((await (await after.createChannel()).checkQueue('kept')).queue).toBe('kept');
  });
});

describe('clear errors for brokers', () => {
  it('rejects a broker list that is not host:port', async () => {
    const saved = process.env.POC_KAFKA_BROKERS;
    process.env.POC_KAFKA_BROKERS = 'kafka://somewhere';
    onTestFinished(() => void (process.env.POC_KAFKA_BROKERS = saved));
    await expect(provideServices(['kafka'])).rejects.toThrow(
      /POC_KAFKA_BROKERS="kafka:\/\/somewhere" must be a comma-separated list of host:port; e.g. 127\.0\.0\.1:9092/,
    );
  });

  it('names the variable when an AMQP URL does not answer', async () => {
    const saved = process.env.POC_AMQP_URL;
    process.env.POC_AMQP_URL = 'amqp://127.0.0.1:1';
    onTestFinished(() => void (process.env.POC_AMQP_URL = saved));
    await expect(provideServices(['rabbitmq'])).rejects.toThrow(
      /POC_AMQP_URL=amqp:\/\/127\.0\.0\.1:1 is set, but no rabbitmq server answers/,
    );
  });
});
