// `pnpm bench`: every selected bench, one at a time, against servers shared by the run, then one
// summary table. It is `turbo run bench --concurrency=1` with a session of its own; the serialising,
// the shared servers, the progress lines and the summary are the bench runner's (src/bench/runner.ts),
// so a bare `turbo run bench` behaves the same (there the session's last bench prints the summary).
//
//   pnpm bench [turbo options...]   e.g. pnpm bench --filter poc-redis-lock
//   pnpm bench status               who holds the bench lock, who queues, the last session's servers
//   pnpm bench summary [session]    the summary table of the last (or the named) session
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { duration } from '../bench/format.ts';
import { benchStateDir, currentHolder, queued } from '../bench/lock.ts';
import { isAlive } from '../bench/procfs.ts';
import { latestSession, Session } from '../bench/session.ts';
import { renderSummary } from '../bench/summary.ts';
import { workspaceRoot } from './workspace.ts';

const USAGE = `usage:
  pnpm bench [turbo options...]   run every selected bench one at a time (turbo run bench --concurrency=1),
                                  against servers shared by the run, then print the summary table
  pnpm bench status               who holds the bench lock, who queues, and the last session's servers
  pnpm bench summary [session]    print the summary table of the last (or the named) session`;

function status(root: string): number {
  const dir = benchStateDir(root);
  const holder = currentHolder(dir);
  const since = (iso: string): string => `${iso.slice(11, 19)}, ${duration(Date.now() - Date.parse(iso))} ago`;
  console.log(
    holder
      ? `bench lock: held by pid ${holder.pid} (${holder.package}) since ${since(holder.since)}`
      : 'bench lock: free',
  );
  for (const t of queued(dir)) console.log(`  queued: pid ${t.pid} (${t.package}) since ${since(t.since)}`);
  const s = latestSession(dir);
  const state = s?.read();
  if (s && state) {
    const k = s.keeper();
    const running = k && !k.stoppedAt && isAlive(k.pid, k.pidStart);
    console.log(
      `last session: ${state.id}, ${state.benches.length}${state.plan ? ` of ${state.plan.length}` : ''} bench(es) started; ` +
        (running
          ? `keeper pid ${k.pid} runs ${
              Object.entries(k.services)
                .map(([n, v]) => `${n} ${v.version}`)
                .join(', ') || 'nothing'
            }`
          : `servers stopped${k?.reason ? ` (${k.reason})` : ''}`),
    );
  }
  return 0;
}

function summary(root: string, id: string | undefined): number {
  const dir = benchStateDir(root);
  const s = id ? new Session(dir, id) : latestSession(dir);
  const state = s?.read();
  if (!state) {
    console.error(id ? `no bench session "${id}"` : 'no bench session yet: run `pnpm bench` or `turbo run bench`');
    return 1;
  }
  console.log(renderSummary(root, state).join('\n'));
  return 0;
}

async function run(root: string, args: string[]): Promise<number> {
  const id = `bench-${process.pid}-${Date.now()}`;
  const local = join(root, 'node_modules', '.bin', 'turbo');
  const turbo = existsSync(local) ? local : 'turbo';
  const child = spawn(turbo, ['run', 'bench', '--concurrency=1', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      POC_BENCH_SESSION: id,
      POC_BENCH_SESSION_OWNER: String(process.pid),
      POC_BENCH_WRAPPED: '1',
    },
  });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => {
    child.once('error', (e) => {
      console.error(`[bench] could not run turbo: ${e.message}`);
      resolve(127);
    });
    child.once('exit', (c, signal) => resolve(c ?? (signal ? 130 : 1)));
  });
  const state = new Session(benchStateDir(root), id).read();
  if (state) console.log(`\n${renderSummary(root, state).join('\n')}`);
  else console.log('\n[bench] no bench ran (nothing selected, or every task failed before its bench started)');
  return code;
}

async function main(argv: string[]): Promise<number> {
  const root = workspaceRoot();
  const [first, ...rest] = argv;
  if (first === '-h' || first === '--help' || first === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (first === 'status') return status(root);
  if (first === 'summary') return summary(root, rest[0]);
  return run(root, argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`[bench] ${(e as Error).message}`);
    process.exit(1);
  },
);
