// Every container the harness starts is labelled with its owner (host, boot, pid and the pid's start
// time), and never outlives it, without testcontainers' Ryuk (an image that must be pulled, and a
// container per run):
//   - close() removes a container (the normal way);
//   - a watchdog process (watchdog.mjs), started once per owner process, holds a pipe from the owner:
//     when the owner exits in any way (normal exit, Ctrl-C, SIGTERM, SIGKILL), the pipe closes and the
//     watchdog removes the owner's containers;
//   - each process sweeps, before its first container, containers whose owner is dead (the watchdog
//     itself was killed, the machine rebooted).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../local/processes.ts';

export const LABEL = 'poc-harness';
export const OWNER_LABEL = 'poc-harness.owner';
export const SERVICE_LABEL = 'poc-harness.service';

/** The machine's boot id (Linux), so a pid from before a reboot is never taken for a live one. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), '' without /proc. */
export function startTicks(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

export interface Owner {
  host: string;
  boot: string;
  pid: number;
  start: string;
}

export const ownerKey = (o: Owner): string => `${o.host}/${o.boot}/${o.pid}/${o.start}`;

export function parseOwner(key: string): Owner | undefined {
  const m = /^(.*)\/([^/]*)\/(\d+)\/(\d*)$/.exec(key);
  return m ? { host: m[1]!, boot: m[2]!, pid: Number(m[3]), start: m[4]! } : undefined;
}

export const ownerOf = (pid: number): Owner => ({ host: hostname(), boot: bootId(), pid, start: startTicks(pid) });

/**
 * Whether the owner that `key` names is certainly dead, seen from this machine. A container of another
 * machine sharing the engine is never judged (false).
 */
export function ownerDead(key: string, here: Pick<Owner, 'host' | 'boot'> = ownerOf(process.pid)): boolean {
  const o = parseOwner(key);
  if (!o || o.host !== here.host) return false;
  if (o.boot && here.boot && o.boot !== here.boot) return true;
  if (!isAlive(o.pid)) return true;
  return Boolean(o.start) && startTicks(o.pid) !== '' && startTicks(o.pid) !== o.start;
}

/** The little part of dockerode the reaper uses. */
export interface ContainerApi {
  listContainers(opts: {
    all: boolean;
    filters: { label: string[] };
  }): Promise<Array<{ Id: string; Labels: Record<string, string> }>>;
  getContainer(id: string): { remove(opts: { force: boolean; v: boolean }): Promise<unknown> };
}

/** Removes the containers of dead owners (or of `only`, a given owner); resolves with their ids. */
export async function sweep(api: ContainerApi, only?: string): Promise<string[]> {
  const label = only ? [`${OWNER_LABEL}=${only}`] : [LABEL];
  const containers = await api.listContainers({ all: true, filters: { label } });
  const doomed = containers.filter((c) => {
    const owner = c.Labels[OWNER_LABEL];
    return owner !== undefined && (only !== undefined || ownerDead(owner));
  });
  await Promise.all(
    doomed.map((c) =>
      api
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
  return doomed.map((c) => c.Id);
}

const watchdogScript = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

let armed: Promise<void> | undefined;

/** Once per process, before its first container: sweep the dead's containers and start the watchdog. */
export function armReaper(api: ContainerApi): Promise<void> {
  armed ??= (async () => {
    await sweep(api).catch(() => []);
    const key = ownerKey(ownerOf(process.pid));
    const child = spawn(process.execPath, [watchdogScript, key], {
      detached: true, // its own process group: Ctrl-C on the run's group must not kill it first
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => {}); // no watchdog: the next run's sweep still removes leftovers
    child.unref();
    child.stdin?.on('error', () => {});
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  })();
  return armed;
}
