// toxiproxy between a client and a real server: a proxy on a free loopback port that forwards to the
// server until a test adds latency, a bandwidth limit, a timeout or a reset, or cuts it.
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { urlVia } from '../testing/faulty-link.ts';
import { uniqueName } from '../testing/names.ts';
import { releasePorts, reservePorts } from './local/processes.ts';
import { serverFor } from './servers.ts';

export interface ProxiedServer extends AsyncDisposable {
  /** host:port clients connect to instead of the server. */
  readonly listen: string;
  readonly port: number;
  /** `url` (the server's, with its password) pointed at the proxy instead: redis://, postgres://, amqp://. */
  via(url: string): string;
  /** The toxiproxy-node-client proxy: addToxic({ type: 'latency' | 'bandwidth' | 'timeout' | 'reset_peer' ... }). */
  readonly proxy: Proxy;
  /** Adds latency (ms, plus up to `jitterMs`) to data flowing from the server to the client. */
  addLatency(ms: number, jitterMs?: number): Promise<void>;
  /** Cuts the link: open connections are closed and new ones refused, like a network partition. */
  cut(): Promise<void>;
  /** Restores the link and removes every toxic. */
  restore(): Promise<void>;
  /** Deletes the proxy. Idempotent. */
  close(): Promise<void>;
}

/** Puts a toxiproxy proxy in front of `upstream` ("host:port" of a real server). */
export async function proxyTo(upstream: string, options: { name?: string } = {}): Promise<ProxiedServer> {
  const server = await serverFor('toxiproxy');
  const client = new Toxiproxy(server.url);
  // Reserved across processes for the proxy's whole life, including while it is cut (not listening).
  const [port] = (await reservePorts(1)) as [number];
  const listen = `127.0.0.1:${port}`;
  let proxy: Proxy;
  try {
    proxy = await client.createProxy({ name: uniqueName(options.name ?? 'proxy'), listen, upstream });
  } catch (e) {
    releasePorts([port]);
    throw e;
  }
  let closed = false;
  const p: ProxiedServer = {
    listen,
    port,
    proxy,
    via: (url) => urlVia(url, port),
    async addLatency(ms, jitterMs = 0) {
      await proxy.addToxic({
        name: uniqueName('latency'),
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: ms, jitter: jitterMs },
      });
    },
    async cut() {
      await proxy.update({ enabled: false, listen, upstream });
    },
    async restore() {
      // Every toxic, including ones a test added through `proxy` directly (toxiproxy's REST API).
      const base = new URL(`/proxies/${proxy.name}/toxics`, server.url);
      const toxics = (await (await fetch(base)).json()) as Array<{ name: string }>;
      for (const t of toxics) await fetch(new URL(`${base.pathname}/${t.name}`, server.url), { method: 'DELETE' });
      await proxy.update({ enabled: true, listen, upstream });
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await proxy.remove();
      } finally {
        releasePorts([port]);
      }
    },
    [Symbol.asyncDispose]: () => p.close(),
  };
  return p;
}
