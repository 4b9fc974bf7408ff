// The static page (dist/index.html): one self-contained file with its CSS, script, data, READMEs and
// charts inlined, so it works from file:// or any static server with no network access.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { Marked, type Token } from 'marked';
import type { Catalog } from './catalog.ts';
import { ratioChart, seriesChart } from './charts.ts';

/** Where dist/index.html sits, relative to the workspace root: links into the repo go up from here. */
export const DIST_DIR = 'apps/catalog/dist';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * README markdown → HTML. Relative links are resolved against the package folder: a link to another
 * catalogued POC opens it in the page (#/name); any other file links into the repository checkout.
 * Mermaid blocks stay as code.
 */
export function renderReadme(markdown: string, pocDir: string, dirToName: ReadonlyMap<string, string>): string {
  const rewrite = (href: string): string => {
    if (!href || /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(href) || href.startsWith('/')) return href;
    const [path = '', hash = ''] = href.split('#');
    const target = posix.normalize(posix.join(pocDir, path)).replace(/\/$/, '');
    const name = dirToName.get(target);
    if (name) return `#/${name}`;
    return posix.relative(DIST_DIR, target) + (hash ? `#${hash}` : '');
  };
  const marked = new Marked({
    gfm: true,
    walkTokens(token: Token) {
      if (token.type === 'link' || token.type === 'image') token.href = rewrite(token.href);
    },
  });
  return marked.parse(markdown, { async: false });
}

export interface PageInput {
  catalog: Catalog;
  /** Per POC name: its README rendered, or null. */
  readmes: Record<string, string | null>;
}

const asset = (name: string): string => readFileSync(new URL(`./web/${name}`, import.meta.url), 'utf8');

/** JSON safe inside <script>: no "</script>" or "<!--" can close or confuse the element. */
const inlineJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export function renderPage({ catalog, readmes }: PageInput): string {
  const withPocs = catalog.series.filter((s) => s.total > 0);
  const charts: Record<string, string[]> = {};
  for (const p of catalog.pocs)
    charts[p.name] = (p.measured?.comparisons ?? [])
      .filter((c) => c.ratios.length > 0)
      .map((c) => `<figcaption>${esc(c.title)} (ratio to ${esc(c.baseline)})</figcaption>${ratioChart(c)}`);
  const option = (v: string, label = v): string => `<option value="${esc(v)}">${esc(label)}</option>`;
  const { counts } = catalog;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>System design POCs: catalog</title>
<style>${asset('style.css')}</style>
</head>
<body>
<a class="skip" href="#poc-list">Skip to the list</a>
<header>
  <h1>System design, runnable: the catalog</h1>
  <p id="totals">${counts.total} POCs: ${counts.done} done, ${counts.inProgress} in progress.${counts.stale ? ` ${counts.stale} bench result(s) stale (older than their code).` : ''} Generated ${esc(catalog.generatedAt.slice(0, 16).replace('T', ' '))} UTC.</p>
  <figure class="progress"><figcaption>Progress per series</figcaption>${seriesChart(withPocs)}</figure>
</header>
<main>
  <section id="browse" aria-labelledby="browse-title">
    <h2 id="browse-title" class="visually-hidden">Browse</h2>
    <form id="filters" role="search" aria-label="Filter POCs">
      <div class="field"><label for="q">Search</label><input id="q" type="search" placeholder="lock, isolation, lua…" autocomplete="off"></div>
      <div class="field"><label for="f-series">Series</label><select id="f-series">${option('', 'All series')}${withPocs.map((s) => option(s.id, `${s.id} (${s.total})`)).join('')}</select></div>
      <div class="field"><label for="f-service">Service</label><select id="f-service">${option('', 'Any service')}${catalog.services.map((s) => option(s)).join('')}</select></div>
      <div class="field"><label for="f-concept">Concept</label><select id="f-concept">${option('', 'Any concept')}${catalog.concepts.map((s) => option(s)).join('')}</select></div>
      <div class="field"><label for="f-status">Status</label><select id="f-status">${option('', 'Any status')}${option('done')}${option('in progress')}</select></div>
    </form>
    <p id="count" role="status" aria-live="polite"></p>
    <ul id="poc-list"></ul>
  </section>
  <article id="detail" tabindex="-1" aria-live="polite"><p class="hint">Choose a POC to see its commands, measured numbers and README.</p></article>
</main>
<script type="application/json" id="catalog-data">${inlineJson({ catalog, readmes, charts })}</script>
<script>${asset('app.js')}</script>
</body>
</html>
`;
}
