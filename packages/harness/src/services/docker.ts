// The testcontainers provider. Loaded lazily: runs that use the local provider never pay for it.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { ServiceUnavailableError } from '../errors.ts';

let available: Promise<boolean> | undefined;

/** True when a Docker engine answers. Skipped (false) when POC_PROVIDER=local; required when =docker. */
export function dockerAvailable(): Promise<boolean> {
  available ??= (async () => {
    const forced = process.env.POC_PROVIDER;
    if (forced === 'local') return false;
    const hinted =
      Boolean(process.env.DOCKER_HOST) ||
      Object.keys(process.env).some((k) => k.startsWith('TESTCONTAINERS_')) ||
      ['/var/run/docker.sock', join(homedir(), '.docker/run/docker.sock')].some(existsSync);
    if (!hinted && forced !== 'docker') return false;
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer in 10 s')), 10_000).unref(),
      );
      await Promise.race([getContainerRuntimeClient(), timeout]);
      return true;
    } catch (e) {
      if (forced === 'docker') {
        throw new ServiceUnavailableError(`POC_PROVIDER=docker but no Docker engine answers: ${(e as Error).message}`);
      }
      return false;
    }
  })();
  return available;
}

/** A container with a fixed host port, so stop/start/restart/kill keep its address. */
export interface DockerInstance {
  container: StartedTestContainer;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  kill(): Promise<void>;
  remove(): Promise<void>;
}

export async function startPinnedContainer(
  image: string,
  containerPort: number,
  configure: (c: GenericContainer) => GenericContainer,
): Promise<DockerInstance> {
  const { GenericContainer } = await import('testcontainers');
  return startPinned(configure(new GenericContainer(image)), containerPort);
}

/** Starts a configured container with `containerPort` bound to a free, fixed host port. */
export async function startPinned(definition: GenericContainer, containerPort: number): Promise<DockerInstance> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const port = await getPort({ host: '127.0.0.1' });
  const container = await definition.withExposedPorts({ container: containerPort, host: port }).start();
  const raw = (await getContainerRuntimeClient()).container.getById(container.getId());
  return {
    container,
    port,
    stop: async () => {
      await raw.stop({ t: 10 });
    },
    start: async () => {
      await raw.start();
    },
    kill: async () => {
      await raw.kill({ signal: 'SIGKILL' });
    },
    remove: async () => {
      await container.stop({ remove: true, timeout: 1_000 }).catch(() => raw.remove({ force: true }));
    },
  };
}
