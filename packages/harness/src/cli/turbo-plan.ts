// Which services a turbo run will actually use: turbo's own dry run lists the tasks it would execute
// and which of them it would replay from its cache. Only tasks that run code against servers (test,
// bench, demo) and are not cache hits need their package's services, so a no-change re-run starts
// nothing and a change to one Redis POC starts only Redis.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessArgumentError } from '../errors.ts';

/** Tasks whose scripts talk to servers; typecheck, lint and format need none. */
export const SERVER_TASKS = new Set(['test', 'bench', 'demo']);

interface DryTask {
  task: string;
  package: string;
  directory: string;
  cache: { status: string };
}

export interface TurboPlan {
  /** Tasks turbo will run (cache misses), as "pkg#task". */
  readonly toRun: string[];
  /** Tasks turbo will replay from its cache. */
  readonly cached: number;
  /** The union of the services the packages of the server tasks to run declare. */
  readonly services: string[];
}

/** The position of `turbo run` in a command line, or -1 when the command is not a turbo run. */
export function turboRunIndex(command: readonly string[]): number {
  return command.findIndex((arg, i) => /(^|\/)turbo$/.test(arg) && command[i + 1] === 'run');
}

/** Declared services of the package in `dir` (poc.services, else harness.services). */
export function declaredServices(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    poc?: { services?: string[] };
    harness?: { services?: string[] };
  };
  return pkg.poc?.services ?? pkg.harness?.services ?? [];
}

/** Reads a `turbo run ... --dry=json` answer into a plan. Exported for its test. */
export function planFromDryRun(json: string, root: string): TurboPlan {
  const tasks = (JSON.parse(json) as { tasks: DryTask[] }).tasks;
  const run = tasks.filter((t) => t.cache.status !== 'HIT');
  const services = new Set<string>();
  for (const t of run.filter((t) => SERVER_TASKS.has(t.task))) {
    for (const s of declaredServices(join(root, t.directory))) services.add(s);
  }
  return {
    toRun: run.filter((t) => t.task !== 'transit').map((t) => `${t.package}#${t.task}`),
    cached: tasks.length - run.length,
    services: [...services].sort(),
  };
}

/** Asks turbo (the same command, with --dry=json) what it will run. */
export function planTurboRun(command: readonly string[], root: string): TurboPlan {
  const at = turboRunIndex(command);
  if (at === -1) throw new HarnessArgumentError(`not a turbo run: ${command.join(' ')}`);
  const args = [...command.slice(1), '--dry=json'].filter((a) => a !== '--summarize');
  const dry = spawnSync(command[0]!, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (dry.status !== 0) {
    throw new HarnessArgumentError(
      `turbo's dry run failed (exit ${dry.status}): ${dry.stderr.trim().split('\n').slice(-5).join('\n')}`,
    );
  }
  return planFromDryRun(dry.stdout, root);
}
