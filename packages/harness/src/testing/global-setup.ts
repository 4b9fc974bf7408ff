// Runs once per `vitest run`, in the main process, before any test file.
// It reads the package's `poc.services` and makes sure each has an address in the environment:
// a whole-repo run (`pnpm test`) has already started them and exported POC_*_URL, so this attaches;
// a single-package run (`pnpm --filter poc-redis-lock test`) starts its own here and stops them after.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { provideServices } from '../services/servers.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
    poc?: { services?: string[] };
    harness?: { services?: string[] };
  };
  const wanted = pkg.poc?.services ?? pkg.harness?.services ?? [];
  const session = await provideServices(wanted, { log: (line) => console.log(`[harness] ${line}`) });
  return () => session.close();
}
