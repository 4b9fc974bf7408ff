// The one way a local server starts: reserve its ports, prepare its directory, spawn it, and wait for an
// answer that provably comes from it. When it dies at start-up because another process took a port
// between reservation and bind, it starts again on new ports (a fresh start only: a restart of a private
// server keeps its address and reports the conflict).
import { ServerDir, ServerExitedError, waitUntilReady } from './processes.ts';

export interface LocalProcessServer {
  url: string;
  version: string;
  port: number;
  dir: ServerDir;
  /** (Re)starts the process on the same port and directory. */
  launch(): Promise<void>;
}

export interface LocalCommand {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

export interface LocalSpec {
  /** Directory prefix and name in messages: "redis", "postgres", ... */
  service: string;
  /** Fast clean shutdown signal (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** How many loopback ports the server needs; the first is the one clients use. */
  ports: number;
  /** Readiness deadline per start (default 30 s). */
  timeoutMs?: number;
  /** Writes the server's files into `dir` for these ports; returns its URL, command and a name for messages. */
  prepare(dir: ServerDir, ports: number[]): Promise<{ url: string; what: string; command: LocalCommand }>;
  /** One round trip that proves the answer is this server's (pid, data directory, node name); its version. */
  probe(url: string, dir: ServerDir): Promise<string>;
}

/** How many times a fresh start is tried when another process took a reserved port first. */
export const START_ATTEMPTS = 3;
const PORT_TAKEN = /address already in use|eaddrinuse/i;

/** The server died at start-up because another process bound one of its ports first: try new ports. */
export const diedOfTakenPort = (e: unknown): boolean => e instanceof ServerExitedError && PORT_TAKEN.test(e.message);

export async function startLocalServer(spec: LocalSpec): Promise<LocalProcessServer> {
  for (let attempt = 1; ; attempt++) {
    const dir = new ServerDir(spec.service, spec.stopSignal);
    try {
      const ports = await dir.reservePorts(spec.ports);
      const { url, what, command } = await spec.prepare(dir, ports);
      let version = 'unknown';
      const launch = async (): Promise<void> => {
        dir.spawn(command.command, command.args, command);
        await waitUntilReady(dir, what, async () => void (version = await spec.probe(url, dir)), spec.timeoutMs);
      };
      await launch();
      return {
        url,
        get version() {
          return version;
        },
        port: ports[0]!,
        dir,
        launch,
      };
    } catch (e) {
      await dir.dispose().catch(() => {});
      if (attempt < START_ATTEMPTS && diedOfTakenPort(e)) continue;
      throw e;
    }
  }
}

/** Throws unless `actual` is `expected`: the identity check of a probe. */
export function requireIdentity(what: string, expected: unknown, actual: unknown): void {
  if (String(expected) !== String(actual)) {
    throw new Error(`the server answering is not ours: ${what} is ${String(actual)}, expected ${String(expected)}`);
  }
}
