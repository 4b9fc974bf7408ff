import {
  eventually,
  kafkaClient,
  type KafkaNamespace,
  kafkaNamespace,
  type ProxiedServer,
  proxyTo,
} from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { KafkaServiceError, isKafkaPocError, redirectingSocketFactory, typedProducer } from '../src/index.ts';
import { eventTopic, producerFor, range, readAll, type RawMessage } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'kproxy' });
});
afterAll(() => ns?.close());

/** A producer whose every connection (bootstrap and the broker address from metadata) goes through `proxy`. */
async function proxiedProducer(proxy: ProxiedServer) {
  const connections: Array<{ target: string; redirected: boolean }> = [];
  const broker = ns.brokers.split(',')[0]!;
  const kafka = kafkaClient(ns.brokers, {
    socketFactory: redirectingSocketFactory({ [broker]: proxy.listen }, (target, redirected) =>
      connections.push({ target, redirected }),
    ),
    // Fail fast while the link is cut: a few quick retries, then the error reaches the caller.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
  });
  return { producer: typedProducer(await producerFor(kafka)), connections };
}

const value = (seq: number) => ({ key: `k${seq % 2}`, value: { entity: `k${seq % 2}`, seq } });

describe('producer behind toxiproxy (all broker connections redirected through it)', () => {
  it('sends every connection through the proxy and delivers with 300 ms of added latency', async () => {
    const proxy = await proxyTo(ns.brokers.split(',')[0]!);
    onTestFinished(() => proxy.close());
    const t = eventTopic(ns.topic('latency'));
    await ns.createTopics([{ topic: t.name, numPartitions: 2 }]);
    const { producer, connections } = await proxiedProducer(proxy);

    const LATENCY_MS = 300;
    await proxy.addLatency(LATENCY_MS); // every reply from the broker is held this long (no jitter)
    const roundTrips: number[] = [];
    for (const seq of range(5)) {
      const started = performance.now();
      await producer.send(t, [value(seq)]);
      roundTrips.push(performance.now() - started);
    }
    // A lower bound the proxy guarantees, not a speed threshold: no acknowledgement can arrive sooner
    // than the delay added to it, so a send that took less would have bypassed the proxy.
    for (const ms of roundTrips) expect(ms).toBeGreaterThanOrEqual(LATENCY_MS);

    expect(connections.length).toBeGreaterThan(0);
    expect(connections.filter((c) => !c.redirected)).toEqual([]); // not one connection bypassed the proxy
    const seen: RawMessage[] = [];
    await readAll(ns, t.name, seen);
    await eventually(() => seen.length === 5, { timeoutMs: 30_000, what: '5 messages delivered' });
    expect(seen.map((s) => JSON.parse(s.value!).seq).sort()).toEqual(range(5));
  });

  it('surfaces a KafkaServiceError while the link is cut, and delivers everything once it is restored', async () => {
    const proxy = await proxyTo(ns.brokers.split(',')[0]!);
    onTestFinished(() => proxy.close());
    const t = eventTopic(ns.topic('cut'));
    await ns.createTopics([{ topic: t.name, numPartitions: 2 }]);
    const { producer } = await proxiedProducer(proxy);

    for (const seq of range(3)) await producer.send(t, [value(seq)]);
    await proxy.cut();
    const err = await producer.send(t, [value(3)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaServiceError);
    expect(isKafkaPocError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(`^sending 1 message\\(s\\) to "${t.name}" failed: KafkaJS\\w+Error: `),
    );
    expect((err as Error).message).toMatch(/ECONNREFUSED|Connection|closed|timeout/i);

    await proxy.restore();
    // The application's retry: the same message again, then new ones, on the same producer.
    await eventually(() => producer.send(t, [value(3)]).then(() => true), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'send after restore',
    });
    for (const seq of range(2, 4)) await producer.send(t, [value(seq)]);

    const seen: RawMessage[] = [];
    await readAll(ns, t.name, seen);
    await eventually(() => seen.length >= 6, { timeoutMs: 30_000, what: 'all messages delivered' });
    const seqs = seen.map((s) => JSON.parse(s.value!).seq as number).sort();
    expect(seqs).toEqual(range(6)); // 0-2 before the cut, 3 retried after it, 4-5 after
  });
});
