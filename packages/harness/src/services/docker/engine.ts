// Whether a Docker engine answers, asked once per process through testcontainers (which knows
// DOCKER_HOST, TESTCONTAINERS_HOST_OVERRIDE, ~/.testcontainers.properties, rootless and Desktop sockets).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntimeClient } from 'testcontainers';
import { ServiceUnavailableError } from '../../errors.ts';

export type Provider = 'docker' | 'local' | undefined;

/** POC_PROVIDER, read on every call (a bench switches it between runs). */
export function forcedProvider(): Provider {
  const p = process.env.POC_PROVIDER?.trim();
  if (!p) return undefined;
  if (p === 'docker' || p === 'local') return p;
  throw new ServiceUnavailableError(`POC_PROVIDER="${p}" is not a provider: use docker or local (or unset it)`);
}

/** Somewhere a Docker engine could be: without one of these, no engine is asked (it costs a timeout). */
function engineHinted(): boolean {
  if (process.env.DOCKER_HOST) return true;
  if (Object.keys(process.env).some((k) => k.startsWith('TESTCONTAINERS_'))) return true;
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker/run/docker.sock'),
    join(homedir(), '.docker/desktop/docker.sock'),
    join(homedir(), '.testcontainers.properties'),
  ];
  if (process.env.XDG_RUNTIME_DIR) sockets.push(join(process.env.XDG_RUNTIME_DIR, 'docker.sock'));
  return sockets.some(existsSync);
}

let answer: Promise<{ ok: true } | { ok: false; error: string }> | undefined;

const ENGINE_TIMEOUT_MS = 10_000;

function askEngine(): Promise<{ ok: true } | { ok: false; error: string }> {
  answer ??= (async () => {
    if (!engineHinted() && forcedProvider() !== 'docker')
      return { ok: false, error: 'no Docker socket or DOCKER_HOST' };
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${ENGINE_TIMEOUT_MS / 1000} s`)), ENGINE_TIMEOUT_MS);
        timer.unref();
      });
      try {
        await Promise.race([getContainerRuntimeClient(), timeout]);
      } finally {
        clearTimeout(timer);
      }
      return { ok: true };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  })();
  return answer;
}

/**
 * True when the Docker provider may be used at all: a Docker engine answers and POC_PROVIDER is not
 * "local". With POC_PROVIDER=docker, no engine is an error.
 */
export async function engineAvailable(): Promise<boolean> {
  const forced = forcedProvider();
  if (forced === 'local') return false;
  const a = await askEngine();
  if (!a.ok && forced === 'docker') {
    throw new ServiceUnavailableError(
      `POC_PROVIDER=docker but no Docker engine answers (${a.error}). Start one (or set DOCKER_HOST), ` +
        `or unset POC_PROVIDER to use local binaries.`,
    );
  }
  return a.ok;
}

/** The testcontainers client; only after engineAvailable() said true. */
export async function runtime(): Promise<ContainerRuntimeClient> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return getContainerRuntimeClient();
}
