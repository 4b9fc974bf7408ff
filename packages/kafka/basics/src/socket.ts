// Routing all of a KafkaJS client's traffic through a proxy (toxiproxy in the tests).
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';
import { check } from './errors.ts';

/**
 * A KafkaJS socketFactory that opens every connection meant for `from` ("host:port", as the broker
 * advertises itself) to `to` instead. Kafka clients connect to the addresses the cluster returns in
 * its metadata, not to the bootstrap address, so pointing `brokers` at a proxy only proxies the first
 * request; redirecting at the socket level sends all of the client's traffic through the proxy.
 */
export function redirectingSocketFactory(
  routes: Record<string, string>,
  onConnection?: (target: string, redirected: boolean) => void,
): ISocketFactory {
  check.kind(
    typeof routes === 'object' && routes !== null,
    'routes',
    'must be an object { "host:port": "host:port" }',
    routes,
  );
  const parsed = new Map<string, { host: string; port: number }>();
  for (const [from, to] of Object.entries(routes)) {
    const m = /^(.+):(\d{1,5})$/.exec(to);
    check.that(m !== null && /^.+:\d{1,5}$/.test(from), `routes["${from}"]`, 'must map "host:port" to "host:port"', to);
    parsed.set(from, { host: m[1]!, port: Number(m[2]) });
  }
  return ({ host, port, ssl, onConnect }) => {
    const target = parsed.get(`${host}:${port}`);
    onConnection?.(`${host}:${port}`, target !== undefined);
    const to = target ?? { host, port };
    const socket = ssl
      ? tls.connect({ ...to, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : net.connect(to, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}
