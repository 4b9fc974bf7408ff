// A TypeScript script run as a separate OS process, for tests that kill a worker mid-job: the only
// honest way to show what a crash loses is to crash a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { WorkerProcessError } from '../errors.ts';

export interface WorkerProcess extends AsyncDisposable {
  readonly process: ChildProcess;
  /** Lines the worker printed on stdout so far. */
  readonly lines: readonly string[];
  /** Resolves with the first stdout line (past or future) that matches. */
  waitForLine(match: RegExp | string, timeoutMs?: number): Promise<string>;
  /** SIGKILL: no finally blocks, no shutdown hooks, exactly like a crash. Resolves when it is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: the worker stops dead (a long GC pause, a frozen VM) but keeps its connections open. */
  freeze(): void;
  /** SIGCONT: a frozen worker runs on, unaware that time passed. */
  thaw(): void;
  /** Resolves with the exit code once the worker exits. */
  exited: Promise<number | null>;
}

// `node --import tsx script.ts` runs the script in this one process. (The tsx CLI would run it in a
// grandchild, and SIGKILL on the CLI would orphan the real worker instead of crashing it.)
const tsxLoader = (): string => pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs `script` (a .ts file) with tsx in a child process that inherits the environment (and so the services). */
export function spawnTsWorker(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', tsxLoader(), script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ match: RegExp | string; resolve: (line: string) => void }>();
  const test = (m: RegExp | string, line: string): boolean => (typeof m === 'string' ? line.includes(m) : m.test(line));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters)
      if (test(w.match, line)) {
        waiters.delete(w);
        w.resolve(line);
      }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const worker: WorkerProcess = {
    process: child,
    lines,
    exited,
    waitForLine(match, timeoutMs = 60_000) {
      const seen = lines.find((l) => test(match, l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { match, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new WorkerProcessError(
              `worker ${script} printed no line matching ${String(match)} within ${timeoutMs} ms; it printed:\n${lines.join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(w);
        void exited.then(() => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(timer);
          reject(
            new WorkerProcessError(
              `worker ${script} exited before printing a line matching ${String(match)}; it printed:\n${lines.join('\n')}`,
            ),
          );
        });
      });
    },
    freeze() {
      if (!gone()) child.kill('SIGSTOP');
    },
    thaw() {
      if (!gone()) child.kill('SIGCONT');
    },
    async kill() {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
    [Symbol.asyncDispose]: () => worker.kill(),
  };
  return worker;
}
