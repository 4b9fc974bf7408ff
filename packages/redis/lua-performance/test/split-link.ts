// A TCP relay between one client and a real Redis that can stop forwarding the client's commands after the
// next `count` of them, until released: the moment "between two steps" made certain instead of hoped for.
// The server stays real; only when it receives the rest of the client's bytes changes. A pipeline that
// ioredis writes in one chunk is split there too, which no amount of load makes certain.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface SplitLink {
  /** `url` with its host and port replaced by the link's. */
  via(url: string): string;
  /**
   * From now on, forwards `count` complete commands, then holds back what follows. Resolves when it
   * holds back bytes, i.e. when the client sent more than `count` commands.
   */
  holdAfter(count: number): Promise<void>;
  /** Forwards what was held back, and everything after it. */
  release(): void;
  close(): Promise<void>;
}

/** End (exclusive) of the first complete RESP command (an array of bulk strings) in `buf` from `at`, or -1. */
export function commandEnd(buf: Buffer, at = 0): number {
  const line = (from: number): { text: string; next: number } | undefined => {
    const crlf = buf.indexOf('\r\n', from);
    return crlf < 0 ? undefined : { text: buf.toString('latin1', from, crlf), next: crlf + 2 };
  };
  const header = line(at);
  if (!header) return -1;
  if (!header.text.startsWith('*')) throw new Error(`split link: not a RESP array: ${header.text.slice(0, 20)}`);
  let pos = header.next;
  for (let i = 0; i < Number(header.text.slice(1)); i++) {
    const bulk = line(pos);
    if (!bulk) return -1;
    const end = bulk.next + Number(bulk.text.slice(1)) + 2;
    if (end > buf.length) return -1;
    pos = end;
  }
  return pos;
}

export async function splitLink(upstream: string): Promise<SplitLink> {
  const [host, port] = upstream.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let server: Socket | undefined;
  let pending = Buffer.alloc(0); // client bytes not yet forwarded
  let allowance = Infinity; // commands still to forward before holding
  let onHold: (() => void) | undefined;

  const pump = (): void => {
    while (pending.length > 0) {
      if (allowance === 0) {
        onHold?.();
        onHold = undefined;
        return;
      }
      const end = allowance === Infinity ? pending.length : commandEnd(pending);
      if (end < 0) return; // wait for the rest of this command
      server!.write(pending.subarray(0, end));
      pending = pending.subarray(end);
      if (allowance !== Infinity) allowance--;
    }
  };

  const relay = createServer((client) => {
    if (server) {
      client.destroy(); // one client per link: the tests hold one connection's commands
      return;
    }
    const up = connect({ host, port: Number(port) });
    server = up;
    sockets.add(client).add(up);
    client.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      pump();
    });
    up.on('data', (chunk) => client.write(chunk));
    const drop = (): void => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) {
      s.on('error', drop);
      s.on('close', drop);
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port: listen } = relay.address() as AddressInfo;

  return {
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(listen);
      return u.toString();
    },
    holdAfter(count) {
      allowance = count;
      return new Promise<void>((resolve) => {
        onHold = resolve;
        pump();
      });
    },
    release() {
      allowance = Infinity;
      pump();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
