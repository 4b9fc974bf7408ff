// `pnpm poc`: list, run, test, bench or create a POC. The entry point is poc.ts; main() is here so the
// tests can call it with a workspace of their own.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { closest } from './closest.ts';
import { shortName } from './catalog.ts';
import { GeneratorError, newPoc } from './generator.ts';
import { KNOWN_SERVICES } from './templates/index.ts';
import { SERIES, SYSTEMS } from './schema.ts';
import { validateWorkspace, type PocRecord } from './validate.ts';
import { renderMarkdown } from '@poc/harness/bench';

export const USAGE = `usage:
  pnpm poc                         list every POC, grouped by series, with its status
  pnpm poc <name>                  run its demo, with the servers it needs started for you
  pnpm poc <name> --test           run its tests instead
  pnpm poc <name> --bench          run its benchmark instead (writes bench/results.json); it waits for
                                   any bench already running (one at a time) and starts its own servers
  pnpm poc <name> --measured       print the Markdown its README's "Measured" section must hold,
                                   rendered from bench/results.json, and what is flagged about it
  pnpm poc new <series> <name> [--services redis,postgres]
                                   create packages/<series>/<name> in the standard shape; its factory
                                   takes a client of each service (tests and bench get them from the harness)

<name> is the package name (poc-redis-lock) or the part after "poc-" (redis-lock).
series: ${SERIES.join(', ')}
services: ${KNOWN_SERVICES.join(', ')}`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliIo {
  root: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The POC a user meant: package name, name without "poc-", or folder (packages/redis/lock). */
export function findPoc(input: string, pocs: readonly PocRecord[]): PocRecord | undefined {
  const want = input.trim().replace(/\/$/, '').toLowerCase();
  return pocs.find((p) => [p.name, shortName(p.name), p.dir].some((n) => n.toLowerCase() === want));
}

export function unknownPocMessage(input: string, pocs: readonly PocRecord[]): string {
  const shorts = pocs.map((p) => shortName(p.name));
  const near = closest(input, shorts);
  return near.length > 0
    ? `unknown POC "${input}". Did you mean: ${near.join(', ')}?\nRun \`pnpm poc\` to list them all.`
    : `unknown POC "${input}", and none is close. Run \`pnpm poc\` to list them all.`;
}

function list(pocs: readonly PocRecord[], io: CliIo): void {
  const width = Math.max(10, ...pocs.map((p) => shortName(p.name).length));
  for (const series of [...SERIES, SYSTEMS]) {
    const group = pocs.filter((p) => p.series === series);
    if (group.length === 0) continue;
    const done = group.filter((p) => p.status === 'done').length;
    io.out(`${series} (${done}/${group.length} done)`);
    for (const p of group) {
      const num = p.meta?.number !== undefined ? String(p.meta.number).padStart(3) : '   ';
      const stale = p.benchState?.stale ? `  (bench stale: ${p.benchState.stale})` : '';
      io.out(
        `  ${p.status === 'done' ? '✓' : '•'} ${num}  ${shortName(p.name).padEnd(width)}  ${(p.meta?.title ?? '(no metadata)').padEnd(34)}  ${p.status}${stale}`,
      );
    }
  }
  io.out('');
  const stale = pocs.filter((p) => p.benchState?.stale).length;
  if (stale > 0)
    io.out(
      `${stale} bench result(s) are stale (older than their code, or without a source hash): re-run them one at a time.`,
    );
  io.out(`${pocs.length} POCs. Run one: pnpm poc <name> [--test | --bench]. New one: pnpm poc new <series> <name>.`);
}

async function run(poc: PocRecord, script: 'demo' | 'test' | 'bench', io: CliIo): Promise<number> {
  const services = poc.meta?.services ?? [];
  const log = (line: string): void => io.err(`[poc] ${line}`);
  if (!poc.scripts[script]) {
    io.err(`${poc.name} has no "${script}" script yet (status: ${poc.status}).`);
    return 1;
  }
  // A bench starts its servers itself, after it has the bench lock: starting them here could disturb a
  // bench that is measuring. Demos and tests get theirs now.
  const provide = script === 'bench' ? [] : services;
  if (provide.length > 0) log(`${poc.name} needs ${provide.join(', ')}: starting or attaching...`);
  // Loaded here so `pnpm poc` (the list) and usage errors stay quick.
  const { provideServices } = await import('@poc/harness/services');
  const session = await provideServices(provide, { log });
  process.env.POC_SERVICES_SHARED = session.servers.map((s) => `${s.service}=${s.provider}`).join(',');
  try {
    log(`pnpm --filter ${poc.name} ${script}`);
    const child = spawn('pnpm', ['--filter', poc.name, script], { cwd: io.root, stdio: 'inherit', env: process.env });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise<number>((resolve) => {
      child.once('error', (e) => {
        log(`could not run pnpm: ${e.message}`);
        resolve(127);
      });
      child.once('exit', (c, signal) => resolve(c ?? (signal === 'SIGINT' ? 130 : 1)));
    });
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    return code;
  } finally {
    if (session.servers.length > 0) log('stopping the servers it started...');
    await session.close();
  }
}

/** The README's "Measured" text for a POC, from its result file, then (on stderr) what is flagged. */
function measured(poc: PocRecord, io: CliIo): number {
  if (!poc.bench) {
    io.err(`${poc.name} has no bench result yet: run \`pnpm poc ${shortName(poc.name)} --bench\``);
    return 1;
  }
  io.out(renderMarkdown(poc.bench));
  for (const i of poc.issues.filter((x) => x.level === 'warning')) io.err(`warning: ${i.field}: ${i.message}`);
  return 0;
}

/** Returns the exit code: 0 ok, 1 failure (unknown POC, failed run, refused name), 2 usage. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        test: { type: 'boolean' },
        bench: { type: 'boolean' },
        measured: { type: 'boolean' },
        services: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const usage = (why: string): number => {
    io.err(`${why}\n\n${USAGE}`);
    return 2;
  };
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if ([values.test, values.bench, values.measured].filter(Boolean).length > 1)
    return usage('--test, --bench and --measured are alternatives: give one');

  if (positionals[0] === 'new') {
    if (values.test || values.bench || values.measured) return usage('`new` takes no --test, --bench or --measured');
    if (positionals.length !== 3)
      return usage('`new` needs a series and a name: pnpm poc new <series> <name> [--services redis,postgres]');
    try {
      const { dir, files } = newPoc(io.root, positionals[1]!, positionals[2]!, { services: values.services });
      io.out(`created ${dir}:`);
      for (const f of files) io.out(`  ${f}`);
      io.out(
        'next: pnpm install, then write what each TODO asks: the pattern in src/, its tests, the bench, the poc block and the README.',
      );
      io.out('Until then its tests and bench fail (saying what to write) and `pnpm poc` lists it as in progress.');
      return 0;
    } catch (e) {
      if (e instanceof GeneratorError) {
        io.err(`pnpm poc new: ${e.message}`);
        return 1;
      }
      throw e;
    }
  }

  if (values.services !== undefined)
    return usage('--services goes with `new`: pnpm poc new <series> <name> --services ...');
  const { pocs } = validateWorkspace(io.root);
  if (positionals.length === 0) {
    if (values.test || values.bench || values.measured) return usage('--test, --bench and --measured need a POC name');
    list(pocs, io);
    return 0;
  }
  if (positionals.length > 1) return usage(`one POC at a time: got ${positionals.join(' ')}`);
  const poc = findPoc(positionals[0]!, pocs);
  if (!poc) {
    io.err(unknownPocMessage(positionals[0]!, pocs));
    return 1;
  }
  if (values.measured) return measured(poc, io);
  return run(poc, values.test ? 'test' : values.bench ? 'bench' : 'demo', io);
}
