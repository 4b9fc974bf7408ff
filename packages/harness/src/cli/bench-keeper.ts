// The server keeper of a bench session (see src/bench/session.ts): a detached process that runs the
// session's shared servers. It applies want.json (start what is missing, stop what is no longer
// wanted), reports the servers in keeper.json, and stops them all when the session's owner (turbo, or
// the `pnpm bench` wrapper) exits, or when no bench of the session has held or queued for the bench
// lock for POC_BENCH_SESSION_IDLE_MS (default 60 s).
//
//   node --import tsx bench-keeper.ts <bench state dir> <session id> <owner pid> <owner start>
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentHolder, queued } from '../bench/lock.ts';
import { isAlive, processStart } from '../bench/procfs.ts';
import { readJson, Session, writeJsonAtomic, type KeeperState, type WantState } from '../bench/session.ts';
import { definition, startServer } from '../services/servers.ts';
import type { Server } from '../services/types.ts';

const [stateDir, id, ownerPidArg, ownerStart] = process.argv.slice(2);
if (!stateDir || !id) {
  console.error('usage: bench-keeper.ts <bench state dir> <session id> <owner pid> <owner start>');
  process.exit(2);
}
const ownerPid = Number(ownerPidArg);
const idleMs = Number(process.env.POC_BENCH_SESSION_IDLE_MS ?? 60_000);
const session = new Session(stateDir, id);
const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);

const servers = new Map<string, Server>();
const state: KeeperState = { pid: process.pid, pidStart: processStart(process.pid), services: {}, applied: 0 };
const publish = (): void => {
  state.services = Object.fromEntries(
    [...servers].map(([name, s]) => [
      name,
      { url: s.url, envVar: definition(name).envVar, provider: s.provider, version: s.version },
    ]),
  );
  writeJsonAtomic(join(session.dir, 'keeper.json'), state);
};

let stopping: Promise<void> | undefined;
function shutdown(reason: string): Promise<void> {
  stopping ??= (async () => {
    log(`stopping (${reason}): ${[...servers.keys()].join(', ') || 'no servers'}`);
    await Promise.allSettled([...servers.values()].map((s) => s.close()));
    servers.clear();
    state.stoppedAt = new Date().toISOString();
    state.reason = reason;
    publish();
    process.exit(0);
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

async function apply(want: WantState): Promise<void> {
  const wanted = new Set(want.services);
  const gone = [...servers.keys()].filter((s) => !wanted.has(s));
  for (const name of gone) {
    log(`${name}: no longer needed by this run, stopping`);
    await servers.get(name)!.close();
    servers.delete(name);
  }
  const missing = want.services.filter((s) => !servers.has(s));
  const started = await Promise.allSettled(missing.map((name) => startServer(name, log)));
  const errors: string[] = [];
  started.forEach((r, i) => {
    if (r.status === 'fulfilled') servers.set(missing[i]!, r.value);
    else errors.push(`${missing[i]}: ${(r.reason as Error).message}`);
  });
  if (errors.length > 0) state.error = errors.join('; ');
  else delete state.error;
  state.applied = want.seq;
  publish();
}

async function main(): Promise<void> {
  publish();
  log(`keeper of session ${id} (owner pid ${ownerPid || 'none'}, idle timeout ${idleMs} ms)`);
  let lastActive = Date.now();
  for (;;) {
    if (stopping) return;
    if (ownerPid && !isAlive(ownerPid, ownerStart || null)) return void (await shutdown('the run ended'));
    const holder = currentHolder(stateDir!);
    if (holder?.session === id || queued(stateDir!).some((t) => t.session === id)) lastActive = Date.now();
    if (Date.now() - lastActive > idleMs) return void (await shutdown(`idle for ${Math.round(idleMs / 1_000)} s`));
    const want = readJson<WantState>(join(session.dir, 'want.json'));
    if (want && want.seq > state.applied) {
      await apply(want);
      lastActive = Date.now();
    }
    await sleep(200);
  }
}

main().catch((e: unknown) => {
  log(`failed: ${(e as Error).stack ?? String(e)}`);
  state.error = (e as Error).message;
  void shutdown('error');
});
