// pnpm --filter @poc/catalog build: validates the workspace and writes dist/catalog.json and
// dist/index.html (self-contained). The build reports problems but does not fail on them: the page
// shows each POC's status and issues; `validate` is the command that fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspaceRoot } from '@poc/harness/workspace';
import { buildCatalog, type Catalog } from './catalog.ts';
import { renderPage, renderReadme } from './page.ts';
import { validateWorkspace } from './validate.ts';

export function buildSite(root: string, outDir: string): { catalog: Catalog; files: string[] } {
  const report = validateWorkspace(root);
  const catalog = buildCatalog(report);
  const dirToName = new Map(report.pocs.map((p) => [p.dir, p.name]));
  const readmes = Object.fromEntries(
    report.pocs.map((p) => [p.name, p.readme ? renderReadme(p.readme.markdown, p.dir, dirToName) : null]),
  );
  mkdirSync(outDir, { recursive: true });
  const files = [join(outDir, 'catalog.json'), join(outDir, 'index.html')];
  writeFileSync(files[0]!, `${JSON.stringify(catalog, null, 2)}\n`);
  writeFileSync(files[1]!, renderPage({ catalog, readmes }));
  return { catalog, files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = workspaceRoot(fileURLToPath(new URL('.', import.meta.url)));
  const { catalog, files } = buildSite(root, join(root, 'apps/catalog/dist'));
  const { counts } = catalog;
  console.log(
    `catalog: ${counts.total} POCs (${counts.done} done, ${counts.inProgress} in progress, ${counts.errors} validation errors, ` +
      `${counts.warnings} warnings, ${counts.stale} stale bench results)`,
  );
  for (const f of files) console.log(`wrote ${f}`);
}
