// Starting one container for the harness: published on 127.0.0.1 only, labelled with its owner, no
// Ryuk, ready when the server itself answers, and removed when closed (or when its owner dies).
import { readFileSync } from 'node:fs';
import type { GenericContainer, StartedTestContainer, WaitStrategy } from 'testcontainers';
import { ServiceUnavailableError } from '../../errors.ts';
import { descendants } from '../local/processes.ts';
import { releasePorts, reservePorts } from '../local/processes.ts';
import type { ImageService } from '../images.ts';
import { runtime } from './engine.ts';
import { armReaper, LABEL, OWNER_LABEL, ownerKey, ownerOf, SERVICE_LABEL } from './reaper.ts';
import type { ContainerSpec } from './settings.ts';

/** The address Docker publishes every port on. Never 0.0.0.0: see the harness README (Security). */
export const PUBLISH_HOST_IP = '127.0.0.1';

type LoopbackContainer = GenericContainer & { publishOnLoopback(containerPort: number, hostPort: number): unknown };
let loopbackContainer: Promise<new (image: string) => LoopbackContainer> | undefined;

/**
 * GenericContainer, with ports published on loopback only (testcontainers publishes on every interface).
 * Defined on first use: testcontainers is loaded only by runs that start containers.
 */
function LoopbackContainerClass(): Promise<new (image: string) => LoopbackContainer> {
  loopbackContainer ??= import('testcontainers').then(
    ({ GenericContainer }) =>
      class extends GenericContainer {
        publishOnLoopback(containerPort: number, hostPort: number): this {
          this.withExposedPorts({ container: containerPort, host: hostPort });
          this.hostConfig.PortBindings = {
            ...this.hostConfig.PortBindings,
            [`${containerPort}/tcp`]: [{ HostIp: PUBLISH_HOST_IP, HostPort: String(hostPort) }],
          };
          return this;
        }
      },
  );
  return loopbackContainer;
}

/** testcontainers' own wait strategies exec into the container; readiness here is the server's answer. */
const startedIsEnough: WaitStrategy = {
  waitUntilReady: async () => {},
  withStartupTimeout() {
    return this;
  },
  isStartupTimeoutSet: () => false,
  getStartupTimeout: () => 0,
};

/** A container bound to a fixed host port, so stop/start/restart/kill keep its address. */
export interface DockerInstance {
  readonly id: string;
  readonly service: string;
  readonly image: string;
  readonly url: string;
  readonly port: number;
  readonly container: StartedTestContainer;
  /** The version the server reported when it first answered. */
  readonly version: string;
  /** docker stop: the image's stop signal, SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** docker start, on the same host port. Does not wait for the server (the caller probes it). */
  start(): Promise<void>;
  /** docker kill -s KILL; resolves once the container is no longer running. */
  kill(): Promise<void>;
  /** Removes the container (whatever its state) and gives its port back. Idempotent. */
  remove(): Promise<void>;
}

const live = new Map<string, DockerInstance>();

/** The live container serving `url` (for measurements and tests). */
export const instanceAt = (url: string): DockerInstance | undefined => live.get(url);

const PORT_TAKEN = /port is already allocated|address already in use/i;
const ATTEMPTS = 3;

async function logsOf(container: StartedTestContainer, lines = 20): Promise<string> {
  try {
    const stream = await container.logs({ tail: lines });
    const chunks: string[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      stream.on('data', (c: Buffer | string) => chunks.push(c.toString()));
      stream.on('end', () => (clearTimeout(timer), resolve()));
      stream.on('error', () => (clearTimeout(timer), resolve()));
    });
    return chunks.join('').trimEnd() || '(no output)';
  } catch {
    return '(no logs)';
  }
}

/** Probes until the server answers; fails early, with its logs, if the container exits. */
export async function waitUntilAnswers(
  what: string,
  container: StartedTestContainer,
  url: string,
  probe: (url: string) => Promise<string>,
  timeoutMs = 60_000,
): Promise<string> {
  const client = await runtime();
  const raw = client.container.getById(container.getId());
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastInspect = 0;
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    try {
      return await probe(url);
    } catch (e) {
      lastError = e;
    }
    if (Date.now() - lastInspect > 500) {
      lastInspect = Date.now();
      const state = (await raw.inspect()).State;
      if (!state.Running) {
        throw new ServiceUnavailableError(
          `${what} exited during start-up (exit code ${state.ExitCode}). Last lines of its log:\n${await logsOf(container)}`,
        );
      }
    }
    if (Date.now() > deadline) {
      throw new ServiceUnavailableError(
        `${what} did not answer within ${timeoutMs} ms (last probe error: ${String(lastError)}). Log:\n${await logsOf(container)}`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * Starts `image` for `service` on a reserved host port and waits until the server answers. The port is
 * reserved across harness processes (like local servers' ports) for the container's whole life.
 */
export async function startContainer(
  service: ImageService,
  image: string,
  spec: (hostPort: number) => ContainerSpec,
): Promise<DockerInstance> {
  const client = await runtime();
  await armReaper(client.container.dockerode);
  const LoopbackContainer = await LoopbackContainerClass();
  for (let attempt = 1; ; attempt++) {
    const [port] = (await reservePorts(1)) as [number];
    const s = spec(port);
    const what = `${service} container (${image}) on 127.0.0.1:${port}`;
    const definition = new LoopbackContainer(image)
      .withAutoCleanup(false) // no Ryuk: the harness's own reaper (reaper.ts)
      .withWaitStrategy(startedIsEnough)
      .withLabels({ [LABEL]: 'true', [OWNER_LABEL]: ownerKey(ownerOf(process.pid)), [SERVICE_LABEL]: service })
      .withCommand(s.command);
    if (s.network === 'host') definition.withNetworkMode('host');
    else definition.publishOnLoopback(s.network.publish, port);
    if (s.entrypoint) definition.withEntrypoint(s.entrypoint);
    if (s.env) definition.withEnvironment(s.env);
    if (s.user) definition.withUser(s.user);
    if (s.files?.length) definition.withCopyContentToContainer(s.files.map((f) => ({ mode: 0o644, ...f })));
    let container: StartedTestContainer;
    try {
      container = await definition.start();
    } catch (e) {
      releasePorts([port]);
      const message = (e as Error).message;
      if (attempt < ATTEMPTS && PORT_TAKEN.test(message)) continue;
      throw new ServiceUnavailableError(`could not start the ${what}: ${message}`);
    }
    const raw = client.container.getById(container.getId());
    let removed = false;
    const instance: DockerInstance = {
      id: container.getId(),
      service,
      image,
      url: s.url,
      port,
      container,
      version: '',
      stop: async () => void (await raw.stop({ t: 10 })),
      start: async () => void (await raw.start()),
      kill: async () => {
        await raw.kill({ signal: 'SIGKILL' }).catch((e: Error) => {
          if (!/is not running/i.test(e.message)) throw e;
        });
        const deadline = Date.now() + 10_000;
        while ((await raw.inspect()).State.Running) {
          if (Date.now() > deadline) throw new ServiceUnavailableError(`${what} still runs 10 s after SIGKILL`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      remove: async () => {
        if (removed) return;
        removed = true;
        live.delete(s.url);
        try {
          await raw.remove({ force: true, v: true }).catch((e: Error) => {
            if (!/no such container|is already in progress/i.test(e.message)) throw e;
          });
        } finally {
          releasePorts([port]);
        }
      },
    };
    try {
      const version = await waitUntilAnswers(what, container, s.url, s.probe, s.readyTimeoutMs);
      Object.assign(instance, { version });
    } catch (e) {
      await instance.remove().catch(() => {});
      throw e;
    }
    live.set(s.url, instance);
    return instance;
  }
}

/** Resident memory of a container's processes (Linux engines on this machine), in MiB. */
export async function residentMiB(instance: DockerInstance): Promise<number | undefined> {
  const client = await runtime();
  const pid = (await client.container.getById(instance.id).inspect()).State.Pid;
  if (!pid) return undefined;
  let kib = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return undefined; // not on this machine's /proc (Docker Desktop's VM, a remote engine)
    }
  }
  return Math.round((kib / 1024) * 10) / 10;
}
