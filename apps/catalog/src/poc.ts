// Entry point of the root `pnpm poc` script. See cli.ts.
import { workspaceRoot } from '@poc/harness/workspace';
import { main } from './cli.ts';

main(process.argv.slice(2), { root: workspaceRoot(), out: (l) => console.log(l), err: (l) => console.error(l) }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`pnpm poc: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
