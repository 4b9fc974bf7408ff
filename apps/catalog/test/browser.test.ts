/// <reference lib="dom" />
// The built page in a real headless browser (Debian's chromium, driven by playwright-core), opened
// from file:// with every non-file request refused: it must work offline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../src/build.ts';
import { addPoc, workspace, type Fixture } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
let f: Fixture;
let profile: string;
let context: BrowserContext;
let page: Page;
let url: string;
const external: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  f = workspace();
  addPoc(f, 'redis', 'lock', {
    meta: { title: 'Redis distributed lock', concepts: ['distributed-lock', 'lua'], number: 3 },
  });
  addPoc(f, 'redis', 'counter', {
    meta: { title: 'Redis atomic counters', concepts: ['atomic-increment'], number: 2 },
    results: null,
  });
  addPoc(f, 'postgres', 'mvcc', {
    meta: { title: 'PostgreSQL MVCC', services: ['postgres'], concepts: ['mvcc'], number: 30 },
    results: 'v1',
  });
  const { files } = buildSite(f.root, join(f.root, 'out'));
  url = pathToFileURL(files[1]!).href;
  profile = mkdtempSync(join(tmpdir(), 'catalog-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file:') || u.startsWith('data:')) return route.continue();
    external.push(u);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => void pageErrors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  f?.close();
});

const listed = (): Promise<string[]> =>
  page.locator('#poc-list li[data-name]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-name')!));
const waitForCount = (n: number): Promise<unknown> =>
  page.waitForFunction((n) => document.querySelectorAll('#poc-list li[data-name]').length === n, n);

describe('catalog page', () => {
  it('loads offline with every POC listed, its status and the series chart', async () => {
    expect(await listed()).toEqual(['poc-redis-counter', 'poc-redis-lock', 'poc-postgres-mvcc']);
    expect(await page.locator('#count').textContent()).toBe('3 POCs');
    expect(await page.locator('li[data-name="poc-redis-counter"] .status').textContent()).toBe('in progress');
    expect(await page.locator('li[data-name="poc-redis-lock"] .status').textContent()).toBe('done');
    // A result older than its code (here: a version 1 file, which has no source hash) is marked stale.
    expect(await page.locator('li[data-name="poc-postgres-mvcc"] .stale').textContent()).toBe('stale bench');
    expect(await page.locator('li[data-name="poc-redis-lock"] .stale').count()).toBe(0);
    expect(await page.locator('#totals').textContent()).toContain('1 bench result(s) stale');
    expect(await page.locator('header svg[role="img"]').getAttribute('aria-label')).toContain('redis 1 of 2 done');
    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('narrows the list as you search', async () => {
    await page.getByLabel('Search', { exact: true }).fill('mvcc');
    await waitForCount(1);
    expect(await listed()).toEqual(['poc-postgres-mvcc']);
    expect(await page.locator('#count').textContent()).toBe('Showing 1 of 3 POCs');
    await page.getByLabel('Search', { exact: true }).fill('');
    await waitForCount(3);
  });

  it('filters by series, service and concept', async () => {
    await page.getByLabel('Series', { exact: true }).selectOption('redis');
    await waitForCount(2);
    expect(await listed()).toEqual(['poc-redis-counter', 'poc-redis-lock']);
    await page.getByLabel('Concept', { exact: true }).selectOption('lua');
    await waitForCount(1);
    expect(await listed()).toEqual(['poc-redis-lock']);
    await page.getByLabel('Series', { exact: true }).selectOption('');
    await page.getByLabel('Concept', { exact: true }).selectOption('');
    await page.getByLabel('Service', { exact: true }).selectOption('postgres');
    await waitForCount(1);
    expect(await listed()).toEqual(['poc-postgres-mvcc']);
    await page.getByLabel('Service', { exact: true }).selectOption('');
    await waitForCount(3);
  });

  it('opens a POC with its commands, measured headline next to the claim, chart, related POCs and README', async () => {
    await page.getByRole('link', { name: /Redis distributed lock/ }).click();
    await page.waitForSelector('#detail-title');
    expect(await page.locator('#detail-title').textContent()).toContain('3. Redis distributed lock');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    expect(page.url()).toBe(`${url}#/poc-redis-lock`);
    const detail = page.locator('#detail');
    expect(await detail.locator('pre').first().textContent()).toContain('pnpm poc redis-lock --test');
    expect(await detail.locator('table.claim').textContent()).toContain('redis lock is 10x faster than naive');
    expect(await detail.locator('td.headline').textContent()).toBe('redis lock: measured 9.50x (9.10–9.80, 93.7% CI)');
    expect(await detail.locator('td.flags').textContent()).toBe('current, no flags');
    expect(await detail.locator('figure.ratio svg[role="img"]').getAttribute('aria-label')).toContain(
      'pattern 9.50x (93.7% interval 9.10–9.80)',
    );
    expect(await detail.locator('ul.related').textContent()).toContain('poc-redis-other (planned)');
    const readmeHeadings = await detail.locator('.readme h2').allTextContents();
    expect(readmeHeadings).toContain('Break it');
    expect(await detail.locator('.readme h1').textContent()).toBe('redis lock');
    // A README link to another catalogued package opens it in the page.
    expect(external).toEqual([]);
  });

  it('opens a POC from the keyboard and shows what an in-progress one lacks', async () => {
    await page.goto(`${url}#/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator('li[data-name="poc-redis-counter"] a').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      document.getElementById('detail-title')?.textContent?.includes('Redis atomic counters'),
    );
    expect(await page.locator('#detail ul.issues').textContent()).toContain('bench/results.json');
    expect(await page.locator('#detail td.headline').textContent()).toContain('Not measured yet');
    await page.goto(`${url}#/poc-postgres-mvcc`);
    await page.waitForFunction(() => document.getElementById('detail-title')?.textContent?.includes('PostgreSQL MVCC'));
    expect(await page.locator('#detail td.flags').textContent()).toBe(
      'stale: no source hash (re-run the bench); no raw samples (result file schema 1)',
    );
    expect(await page.locator('#detail ul.issues li.warning').first().textContent()).toContain(
      'warning: bench/results.json',
    );
    expect(pageErrors).toEqual([]);
  });
});
