import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const INSTALL_HINT = 'bash tooling/scripts/install-services.sh';

/** Finds an executable in `preferDirs`, then on PATH, then in `extraDirs`. */
export function findExecutable(name: string, extraDirs: string[] = [], preferDirs: string[] = []): string | undefined {
  const dirs = [...preferDirs, ...(process.env.PATH ?? '').split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/** Debian keeps PostgreSQL's server binaries off PATH, under /usr/lib/postgresql/<major>/bin. */
export function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    return [];
  }
}

export function missingBinaryHint(service: string, envVar: string, debianPackage: string): string {
  return (
    `No ${service} server available. Do one of:\n` +
    `  - set ${envVar} to a running server,\n` +
    `  - start a Docker engine (the harness then uses testcontainers), or\n` +
    `  - install the local binaries: ${INSTALL_HINT}  (Debian package: ${debianPackage}).`
  );
}
