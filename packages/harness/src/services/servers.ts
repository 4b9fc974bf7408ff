// Where a server comes from, in order: an external URL from the environment, then testcontainers when
// a Docker engine answers, then local binaries. A run-wide shared server is handed down through the
// same environment variable, so every package of a whole-repo run attaches to one server.
import { appendFileSync } from 'node:fs';
import { HarnessArgumentError, ServiceUnavailableError } from '../errors.ts';
import { SERVICES, type ServerOptions, type ServiceDefinition, type ServiceName } from './definitions.ts';
import { dockerAvailable, type DockerInstance } from './docker.ts';
import type { LocalProcessServer } from './local/start.ts';
import type { PrivateServer, ProviderKind, Server } from './types.ts';

export type Log = (line: string) => void;

export function definition(name: string): ServiceDefinition {
  const def = (SERVICES as Record<string, ServiceDefinition>)[name];
  if (!def) {
    throw new HarnessArgumentError(`unknown service "${name}": expected one of ${Object.keys(SERVICES).join(', ')}`);
  }
  return def;
}

/** Hides a password in a URL before it goes into a message. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function envUrl(def: ServiceDefinition): string | undefined {
  const raw = process.env[def.envVar]?.trim();
  if (!raw) return undefined;
  const problem = def.checkAddress(raw);
  if (problem) throw new HarnessArgumentError(`${def.envVar}="${raw}" ${problem}; e.g. ${def.example}`);
  return raw;
}

async function attach(def: ServiceDefinition, url: string): Promise<Server> {
  let version: string;
  try {
    version = await def.probe(url);
  } catch (e) {
    throw new ServiceUnavailableError(
      `${def.envVar}=${redact(url)} is set, but no ${def.name} server answers there (${(e as Error).message}). ` +
        `Start that server, or unset ${def.envVar} to let the harness provide one.`,
    );
  }
  return { service: def.name, provider: sharedProvider(def.name) ?? 'external', url, version, close: async () => {} };
}

/**
 * A whole-repo run records which provider started each shared server (POC_SERVICES_SHARED=
 * "redis=local,postgres=local"), so packages that attach to it report the truth in bench results.
 */
function sharedProvider(name: string): ProviderKind | undefined {
  const entry = (process.env.POC_SERVICES_SHARED ?? '').split(',').find((e) => e.startsWith(`${name}=`));
  const kind = entry?.slice(name.length + 1);
  return kind === 'docker' || kind === 'local' || kind === 'external' ? kind : undefined;
}

const elapsed = (t0: number): string => `${Math.round(performance.now() - t0)} ms`;

/**
 * Inside a whole-repo run (`pnpm test`, `pnpm bench`), POC_RUN_LEDGER names a file where every shared-kind
 * server a package starts for itself is written down. The run shares one server per service, so an entry
 * means a package did not get the shared address (an environment variable turbo did not pass, a service
 * missing from the run): `with-services` reports it and fails. Private servers of fault tests are not
 * shared-kind and are never recorded.
 */
export const RUN_LEDGER_ENV = 'POC_RUN_LEDGER';

function recordOwnStart(service: string): void {
  const ledger = process.env[RUN_LEDGER_ENV];
  if (!ledger) return;
  const entry = { service, cwd: process.cwd(), pid: process.pid, at: new Date().toISOString() };
  appendFileSync(ledger, `${JSON.stringify(entry)}\n`);
}

/** Starts a new server, Docker first when an engine answers, else local binaries. */
export async function startServer(name: string, log: Log = () => {}): Promise<Server> {
  const def = definition(name);
  recordOwnStart(def.name);
  const t0 = performance.now();
  if (await dockerAvailable(def.name)) {
    log(`${def.name}: starting a container (testcontainers)...`);
    const c = await def.startDocker();
    const version = await def.probe(c.url);
    log(`${def.name}: ${version} ready at ${redact(c.url)} (docker, ${elapsed(t0)})`);
    return { service: def.name, provider: 'docker', url: c.url, version, close: c.close };
  }
  log(`${def.name}: starting a local server...`);
  const local = await def.startLocal();
  log(`${def.name}: ${local.version} ready at ${local.url} (local, ${elapsed(t0)})`);
  return {
    service: def.name,
    provider: 'local',
    url: local.url,
    version: local.version,
    pid: local.dir.child?.pid,
    close: () => local.dir.dispose(),
  };
}

/** The provider that startServer would use right now, without starting anything. */
export async function providerFor(name: string): Promise<ProviderKind> {
  const def = definition(name);
  if (envUrl(def)) return 'external';
  return (await dockerAvailable(def.name)) ? 'docker' : 'local';
}

const onDemand = new Map<string, Promise<Server>>();

/**
 * The server this process should use for `name`: the one named in the environment (external or
 * handed down by a whole-repo run), else one started now for the life of this process. Memoised.
 */
export function serverFor(name: string, log?: Log): Promise<Server> {
  const def = definition(name);
  let server = onDemand.get(def.name);
  if (!server) {
    const url = envUrl(def);
    server = url
      ? attach(def, url)
      : startServer(def.name, log).then((s) => {
          process.env[def.envVar] = s.url; // child processes (workers a test spawns) use the same server
          return s;
        });
    onDemand.set(def.name, server);
    server.catch(() => onDemand.delete(def.name));
  }
  return server;
}

export interface ServiceSession {
  readonly servers: readonly Server[];
  close(): Promise<void>;
}

/**
 * Makes sure each named service has a URL in the environment, starting what is missing (in parallel).
 * Used once per test run (Vitest global setup) and once per whole-repo run (`with-services`).
 */
export async function provideServices(names: readonly string[], options: { log?: Log } = {}): Promise<ServiceSession> {
  const log = options.log ?? (() => {});
  const defs = [...new Set(names)].map(definition);
  const started: Server[] = [];
  const servers = await Promise.allSettled(
    defs.map(async (def) => {
      const url = envUrl(def);
      if (url) {
        const s = await attach(def, url);
        log(`${def.name}: using ${def.envVar}=${redact(url)} (${s.version})`);
        return s;
      }
      const s = await startServer(def.name, log);
      started.push(s);
      process.env[def.envVar] = s.url;
      return s;
    }),
  );
  const close = async (): Promise<void> => {
    await Promise.allSettled(started.map((s) => s.close()));
    for (const s of started) delete process.env[definition(s.service).envVar];
  };
  const failed = servers.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    await close();
    throw failed.length === 1
      ? failed[0]!.reason
      : new ServiceUnavailableError(failed.map((f) => (f.reason as Error).message).join('\n\n'));
  }
  return { servers: servers.map((r) => (r as PromiseFulfilledResult<Server>).value), close };
}

// ---------------------------------------------------------------------------------------------
// Private instances, for tests that stop, restart or kill a server.

abstract class PrivateBase implements PrivateServer {
  abstract readonly provider: ProviderKind;
  private state: 'running' | 'stopped' | 'closed' = 'running';
  protected readonly def: ServiceDefinition;
  readonly url: string;
  readonly version: string;
  constructor(def: ServiceDefinition, url: string, version: string) {
    this.def = def;
    this.url = url;
    this.version = version;
  }
  get service(): string {
    return this.def.name;
  }
  get running(): boolean {
    return this.state === 'running';
  }
  protected abstract doStop(): Promise<void>;
  protected abstract doKill(): Promise<void>;
  protected abstract doStart(): Promise<void>;
  protected abstract doClose(): Promise<void>;

  private ensureOpen(op: string): void {
    if (this.state === 'closed')
      throw new HarnessArgumentError(`${op}() called on a closed private ${this.service} server`);
  }
  async stop(): Promise<void> {
    this.ensureOpen('stop');
    if (this.state === 'running') await this.doStop();
    this.state = 'stopped';
  }
  async kill(): Promise<void> {
    this.ensureOpen('kill');
    if (this.state === 'running') await this.doKill();
    this.state = 'stopped';
  }
  async start(): Promise<void> {
    this.ensureOpen('start');
    if (this.state === 'running') return;
    await this.doStart();
    this.state = 'running';
  }
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.doClose();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A local process as a PrivateServer (also one node of a local cluster). */
export class LocalPrivate extends PrivateBase {
  readonly provider = 'local' as const;
  private readonly local: LocalProcessServer;
  constructor(def: ServiceDefinition, local: LocalProcessServer) {
    super(def, local.url, local.version);
    this.local = local;
  }
  protected doStop = (): Promise<void> => this.local.dir.signal(this.local.dir.stopSignal);
  protected doKill = (): Promise<void> => this.local.dir.signal('SIGKILL');
  protected doStart = (): Promise<void> => this.local.launch();
  protected doClose = (): Promise<void> => this.local.dir.dispose();
  /** SIGSTOP to the whole server: it stops answering with its connections open (a frozen VM, a GC pause). */
  freeze(): void {
    this.local.dir.pause(true);
  }
  /** SIGCONT: a frozen server carries on where it was. */
  thaw(): void {
    this.local.dir.pause(false);
  }
}

class DockerPrivate extends PrivateBase {
  readonly provider = 'docker' as const;
  private readonly instance: DockerInstance;
  constructor(def: ServiceDefinition, url: string, version: string, instance: DockerInstance) {
    super(def, url, version);
    this.instance = instance;
  }
  protected doStop = (): Promise<void> => this.instance.stop();
  protected doKill = (): Promise<void> => this.instance.kill();
  protected doStart = async (): Promise<void> => {
    await this.instance.start();
    await probeUntilReady(this.def, this.url);
  };
  protected doClose = (): Promise<void> => this.instance.remove();
}

/** Probes a container's server until it answers (containers report "started" before the server listens). */
async function probeUntilReady(def: ServiceDefinition, url: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await def.probe(url);
    } catch (e) {
      if (Date.now() > deadline)
        throw new ServiceUnavailableError(`${def.name} container did not answer within ${timeoutMs} ms: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A server of its own for one test: never the shared one, never an external URL. */
export async function startPrivateServer(name: string, options: ServerOptions = {}): Promise<PrivateServer> {
  const def = definition(name);
  const opts: ServerOptions = { durable: true, ...options };
  if (await dockerAvailable(def.name)) {
    const { url, instance } = await def.startDockerPinned(opts);
    return new DockerPrivate(def, url, await probeUntilReady(def, url), instance);
  }
  return new LocalPrivate(def, await def.startLocal(opts));
}

export type { ServiceName };
