// The harness command line: start the services a run needs, once, and hand their addresses down.
//
//   tsx packages/harness/src/cli/main.ts with-services -- turbo run test   (what `pnpm test` runs)
//   tsx packages/harness/src/cli/main.ts up [redis postgres]               (start, print env, wait for Ctrl-C)
//   tsx packages/harness/src/cli/main.ts doctor                            (which provider each service would use)
//   tsx packages/harness/src/cli/main.ts test-summary <since>              (closing line of `pnpm test`)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatError } from '@poc/kit';
import { isHarnessError } from '../errors.ts';
import { SERVICES } from '../services/definitions.ts';
import { definition, provideServices, providerFor, redact } from '../services/servers.ts';
import { testSummary } from './test-summary.ts';
import { planTurboRun, turboRunIndex } from './turbo-plan.ts';
import { servicesUsedByWorkspace, workspaceRoot } from './workspace.ts';
import { RUN_LEDGER_ENV } from '../services/servers.ts';

const log = (line: string): void => console.error(`[harness] ${line}`);

const USAGE = `usage:
  main.ts with-services [--services redis,postgres] -- <command...>
      start the services the workspace's packages need (or those listed), run the command with
      POC_*_URL set so every package attaches to the same servers, then stop them
  main.ts up [service...]
      start services (default: all the workspace uses), print their env, wait for Ctrl-C
  main.ts doctor
      say which provider each service would come from, and why
  main.ts test-summary <since-epoch-seconds>
      print "Tests: N passed, N failed" from the Vitest reports written since then`;

/** Picks the services a with-services run starts: the listed ones, those turbo's tasks need, or all. */
function servicesFor(listed: string | undefined, command: readonly string[]): string[] {
  if (listed !== undefined) return listed.split(',').filter(Boolean);
  if (turboRunIndex(command) === -1) return servicesUsedByWorkspace();
  const plan = planTurboRun(command, workspaceRoot());
  log(
    `turbo will run ${plan.toRun.length} task(s) and replay ${plan.cached} from its cache; ` +
      `servers they need: ${plan.services.join(', ') || 'none'}`,
  );
  return plan.services;
}

/** Shared-kind servers that packages of this run started for themselves (see RUN_LEDGER_ENV). */
function ownServers(ledger: string): Array<{ service: string; cwd: string }> {
  let text: string;
  try {
    text = readFileSync(ledger, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { service: string; cwd: string });
}

async function withServices(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  const { values } = parseArgs({ args: own, options: { services: { type: 'string' } }, strict: true });
  if (command.length === 0) throw new UsageError('with-services needs a command after `--`');
  const session = await provideServices(servicesFor(values.services, command), { log });
  process.env.POC_SERVICES_SHARED = session.servers.map((s) => `${s.service}=${s.provider}`).join(',');
  const ledgerDir = mkdtempSync(join(tmpdir(), 'poc-run-'));
  const ledger = join(ledgerDir, 'own-servers.jsonl');
  process.env[RUN_LEDGER_ENV] = ledger;
  try {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', shell: false });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    let code = await new Promise<number>((resolve) => {
      child.once('error', (e) => {
        log(`could not run ${command[0]}: ${e.message}`);
        resolve(127);
      });
      child.once('exit', (c, signal) => resolve(c ?? (signal ? 128 + 2 : 1)));
    });
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    const strays = ownServers(ledger);
    if (strays.length > 0) {
      log(`${strays.length} server(s) started by a package although this run shares one per service:`);
      const root = workspaceRoot();
      for (const s of strays)
        log(`  ${s.cwd.startsWith(root) ? s.cwd.slice(root.length + 1) || '.' : s.cwd}: ${s.service}`);
      log('each package must attach to the run-wide server (POC_* variables passed through turbo.json).');
      if (code === 0) code = 1;
    }
    return code;
  } finally {
    delete process.env[RUN_LEDGER_ENV];
    rmSync(ledgerDir, { recursive: true, force: true });
    await session.close();
  }
}

async function up(argv: string[]): Promise<number> {
  const names = argv.length > 0 ? argv : servicesUsedByWorkspace();
  const session = await provideServices(names, { log });
  for (const s of session.servers) console.log(`export ${definition(s.service).envVar}=${s.url}`);
  log('servers are up; Ctrl-C stops them');
  // The servers are detached processes: without a timer nothing would keep this process (and so
  // its cleanup) alive until the signal.
  const keepAlive = setInterval(() => {}, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  await session.close();
  return 0;
}

async function doctor(): Promise<number> {
  for (const name of Object.keys(SERVICES)) {
    const def = definition(name);
    try {
      const provider = await providerFor(name);
      const why =
        provider === 'external'
          ? `${def.envVar}=${redact(process.env[def.envVar]!)}`
          : provider === 'docker'
            ? 'a Docker engine answers'
            : 'no Docker engine; local binaries';
      console.log(`${name.padEnd(10)} ${provider.padEnd(9)} (${why})`);
    } catch (e) {
      console.log(`${name.padEnd(10)} error     ${(e as Error).message}`);
    }
  }
  return 0;
}

class UsageError extends Error {}

/**
 * If whatever started us is SIGKILLed (pnpm, a shell, a CI runner's step), nobody will ever send us
 * Ctrl-C: we are re-parented and our servers would run on. Treat the loss of the parent as SIGTERM.
 */
function stopWhenOrphaned(): void {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch);
      log(`the process that started this one (pid ${parent}) is gone: stopping`);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 250).unref();
}

async function main(argv: string[]): Promise<number> {
  stopWhenOrphaned();
  const [command, ...rest] = argv;
  switch (command) {
    case 'with-services':
      return withServices(rest);
    case 'up':
      return up(rest);
    case 'doctor':
      return doctor();
    case 'test-summary':
      return testSummary(Number(rest[0] ?? 0));
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(isHarnessError(e) ? `[harness] ${(e as Error).message}` : formatError(e));
    process.exit(1);
  },
);
