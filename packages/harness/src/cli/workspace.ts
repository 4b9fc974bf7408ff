import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The monorepo root: the nearest directory upwards holding pnpm-workspace.yaml. */
export function workspaceRoot(from = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

const subdirs = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && d.name !== 'node_modules')
        .map((d) => join(dir, d.name))
    : [];

/** Directories of the harness, every POC (packages/<series>/<name>) and every app. */
export function workspacePackageDirs(root = workspaceRoot()): string[] {
  const pocs = subdirs(join(root, 'packages')).flatMap(subdirs);
  return [join(root, 'packages/harness'), ...pocs, ...subdirs(join(root, 'apps'))]
    .filter((d) => existsSync(join(d, 'package.json')))
    .sort();
}

/** The union of services the workspace's packages declare (poc.services, or harness.services). */
export function servicesUsedByWorkspace(root = workspaceRoot()): string[] {
  const names = new Set<string>();
  for (const dir of workspacePackageDirs(root)) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      poc?: { services?: string[] };
      harness?: { services?: string[] };
    };
    for (const s of pkg.poc?.services ?? pkg.harness?.services ?? []) names.add(s);
  }
  return [...names].sort();
}
