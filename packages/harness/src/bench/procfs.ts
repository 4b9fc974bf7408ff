// What the bench runner needs to know about other processes: alive or not (a pid can be reused, so its
// start time is compared too), its parent, its command line, its working directory and its terminal.
// Linux's /proc where it exists; elsewhere only liveness (signal 0) is known.
import { readFileSync, readlinkSync } from 'node:fs';

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process's start time (clock ticks since boot, as a string), or null where /proc is not available. */
export function processStart(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

export function parentPid(pid: number): number | undefined {
  const ppid = Number(statFields(pid)?.[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** Whether the process runs, and is the same process (same start time) when `start` is known. */
export function isAlive(pid: number, start?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!start) return true;
  const now = processStart(pid);
  return now === null || now === start;
}

export function commandLine(pid: number): string[] | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.at(-1) === '') args.pop();
    return args;
  } catch {
    return undefined;
  }
}

export function workingDirectory(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Whether the process's stdout or stderr is a terminal (e.g. turbo started from a shell, not piped). */
export function writesToTerminal(pid: number): boolean {
  for (const fd of [1, 2]) {
    try {
      if (/^\/dev\/(pts\/\d+|tty\w*)$/.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch {
      /* not ours to read, or gone */
    }
  }
  return false;
}

/** Busy CPU time (all cores, in clock ticks) and total time, from /proc/stat; undefined elsewhere. */
export function cpuTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}
