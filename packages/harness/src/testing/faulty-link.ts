// A TCP relay between a client and a real server that can lose a reply on purpose: the server has
// acted on the request, the client never hears the answer, and its connection breaks. That is the
// interleaving that breaks "exactly once" code: a client library that re-sends the command on
// reconnect (ioredis does by default) runs it twice. Toxiproxy cannot cut at "after the next reply".
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { HarnessArgumentError } from '../errors.ts';

export interface FaultyLink extends AsyncDisposable {
  /** "127.0.0.1:<port>": connect here instead of the server. */
  readonly listen: string;
  readonly port: number;
  /** `url` with its host and port replaced by the link's (redis://, postgres://, amqp://). */
  via(url: string): string;
  /**
   * Arms the link: the next chunk the server sends (on any connection) is discarded and that
   * connection is reset. Resolves once it happened, with the bytes that were lost.
   */
  dropNextReply(): Promise<Buffer>;
  /** Resets every open connection now (a network blip). */
  resetAll(): void;
  /** Connections opened through the link so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** `url` with its host and port replaced by 127.0.0.1:`port`; its credentials, path and query kept. */
export function urlVia(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

/** Opens a relay on a loopback port (chosen by the kernel) to `upstream` ("host:port"). */
export async function faultyLink(upstream: string): Promise<FaultyLink> {
  const m = /^(.+):(\d{1,5})$/.exec(upstream);
  if (!m) throw new HarnessArgumentError(`upstream must be "host:port" (got "${upstream}")`);
  const [, host, upstreamPort] = m as unknown as [string, string, string];
  const open = new Set<{ client: Socket; server: Socket }>();
  let armed: ((lost: Buffer) => void) | undefined;
  let opened = 0;

  const relay = createServer((client) => {
    opened++;
    const server = connect({ host, port: Number(upstreamPort) });
    const pair = { client, server };
    open.add(pair);
    const drop = (): void => {
      open.delete(pair);
      client.resetAndDestroy();
      server.destroy();
    };
    client.on('data', (chunk) => server.write(chunk));
    server.on('data', (chunk) => {
      const fire = armed;
      if (fire) {
        armed = undefined;
        drop();
        fire(chunk);
        return;
      }
      client.write(chunk);
    });
    client.on('error', drop);
    server.on('error', drop);
    client.on('close', drop);
    server.on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    relay.once('error', reject);
    relay.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (relay.address() as AddressInfo).port;
  const listen = `127.0.0.1:${port}`;

  const link: FaultyLink = {
    listen,
    port,
    get connections() {
      return opened;
    },
    via: (url) => urlVia(url, port),
    dropNextReply() {
      if (armed) return Promise.reject(new HarnessArgumentError('dropNextReply() is already armed'));
      return new Promise((resolve) => (armed = resolve));
    },
    resetAll() {
      for (const { client, server } of [...open]) {
        client.resetAndDestroy();
        server.destroy();
      }
      open.clear();
    },
    async close() {
      link.resetAll();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
    [Symbol.asyncDispose]: () => link.close(),
  };
  return link;
}
