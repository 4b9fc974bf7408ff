// pnpm --filter @poc/catalog validate: checks every POC against POC_STANDARD.md; exits 1 on any error.
// A POC that only lacks a bench result is "in progress" but not an error.
import { workspaceRoot } from '@poc/harness/workspace';
import { formatReport, validateWorkspace } from './validate.ts';

const report = validateWorkspace(workspaceRoot(process.argv[2] ?? process.cwd()));
for (const line of formatReport(report)) console.log(line);
process.exitCode = report.errors > 0 ? 1 : 0;
