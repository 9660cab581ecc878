import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { calendarDateOf, describePeriod, shiftPeriod, startOfPeriod } from '../../src/dashboard/calendar.js';
import { formatOrigin, formatShare, formatTokens } from '../../src/dashboard/format.js';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';
import {
  launchChromium,
  openPage,
  readPageWidths,
  saveScreenshot,
  shouldSkipBrowserTests,
  waitForSettled,
} from './browser-support.js';

/**
 * Issue #7's demo in a real browser: `meridian simulate --weeks 8 --until 2026-04-06` (the built CLI) fills a
 * fresh data directory with MARKET.md's Feb 9 – Apr 5, then the gateway serves it with a public barometer. Signed
 * out, `#/rankings?period=week&date=2026-03-30` shows the API's top model and share exactly and the origin chart
 * with the API's series keys; "‹ Previous" moves to Mar 23 – 29 (the hash, the heading and the ranking follow),
 * "Next ›" comes back, "This week" returns to today's week, where Next is off. The same page on a 390×844 phone
 * does not scroll sideways. No console error and no uncaught exception. Screenshots go to test-artifacts/.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const rankingsHash = '#/rankings?period=week&date=2026-03-30';

const config = (directory: string) => `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:${directory}/meridian.db" }
data_dir: "${directory}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
barometer: { public: true }
`;

interface Ranking {
  readonly current: { readonly start: string; readonly end: string };
  readonly rows: readonly { readonly key: string; readonly share: number }[];
}

interface Series {
  readonly keys: readonly string[];
  readonly periods: readonly { readonly start: string }[];
  readonly points: readonly { readonly key: string; readonly value: number }[];
}

/** A public (signed-out) API answer's `data`. */
async function publicData<T>(gateway: GatewayProcess, path: string): Promise<T> {
  const response = await fetch(`${gateway.url}${path}`);
  expect(response.status, path).toBe(200);
  return ((await response.json()) as { data: T }).data;
}

const weekRanking = (gateway: GatewayProcess, date: string) =>
  publicData<Ranking>(gateway, `/api/v1/rankings?period=week&date=${date}&by=model&limit=20`);

async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

async function attributesOf(page: Page, selector: string, name: string): Promise<(string | null)[]> {
  const nodes = page.locator(selector);
  const values: (string | null)[] = [];
  for (let index = 0; index < (await nodes.count()); index += 1) values.push(await nodes.nth(index).getAttribute(name));
  return values;
}

/** The ranking table shows `ranking`'s rows, its top key and share as the API wrote them. */
async function expectTopRow(page: Page, ranking: Ranking): Promise<void> {
  const top = ranking.rows[0]!;
  expect(await attributesOf(page, '.rankings-card tbody tr[data-key]', 'data-key')).toEqual(
    ranking.rows.map((row) => row.key),
  );
  expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=key]')).toBe(top.key);
  expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=share]')).toBe(formatShare(top.share));
  expect(await page.locator('.rankings-card tbody tr:first-child [data-field=share]').getAttribute('data-share')).toBe(
    String(top.share),
  );
}

/** Waits until the page shows `heading` and has loaded every section. */
async function waitForPeriod(page: Page, heading: string): Promise<void> {
  await page.locator('[data-field=period]', { hasText: heading }).waitFor();
  await waitForSettled(page);
  expect(await textOf(page, '[data-field=period]')).toBe(heading);
}

const skip = shouldSkipBrowserTests();

describe.skipIf(skip)('Rankings over `meridian simulate --weeks 8` (public barometer)', () => {
  let directory: string;
  let gateway: GatewayProcess;
  let browser: Browser;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'meridian-browser-simulate-'));
    const configPath = join(directory, 'meridian.yaml');
    writeFileSync(configPath, config(directory));
    await run(
      process.execPath,
      [mainPath, 'simulate', '--weeks', '8', '--until', '2026-04-06', '--config', configPath],
      { cwd: directory, env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_CONFIG: '' } },
    );
    gateway = await startGatewayProcess({ directory, configYaml: config(directory) });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('shows the week of Mar 30 as the API ranks it, the origin chart, and moves a week back and forth', async () => {
    const problems: string[] = [];
    const ranking = await weekRanking(gateway, '2026-03-30');
    expect(ranking.current.start).toBe('2026-03-30T00:00:00+00:00');
    expect(ranking.rows[0]?.key).toBe('qwen/qwen3.6-plus');
    const series = await publicData<Series>(
      gateway,
      '/api/v1/rankings/series?interval=week&count=8&stack_by=origin&date=2026-03-30',
    );
    expect(series.keys).toEqual(['CN', 'US']);
    expect(series.periods.map((period) => period.start.slice(0, 10))).toEqual([
      '2026-02-09',
      '2026-02-16',
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
      '2026-03-23',
      '2026-03-30',
    ]);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openPage(context, 'simulated', problems);
    await page.goto(`${gateway.url}/${rankingsHash}`);
    await waitForPeriod(page, 'Week 30 Mar – 5 Apr 2026 (UTC)');
    expect(await textOf(page, '#session a')).toBe('Sign in');
    await expectTopRow(page, ranking);

    // The origin chart: one area per origin and a legend, both in the API's order, the legend's totals its sums.
    expect(await textOf(page, '.origin-card h2')).toBe('Tokens by origin, 8 weeks to 5 Apr 2026');
    expect(await attributesOf(page, 'svg.origin-chart path.area', 'data-key')).toEqual(series.keys);
    expect(await attributesOf(page, '.origin-card .legend li', 'data-key')).toEqual(series.keys);
    for (const key of series.keys) {
      const sum = series.points.filter((point) => point.key === key).reduce((total, point) => total + point.value, 0);
      expect(await textOf(page, `.origin-card .legend li[data-key=${key}] .legend-key`)).toBe(formatOrigin(key));
      expect(await textOf(page, `.origin-card .legend li[data-key=${key}] .legend-value`)).toBe(formatTokens(sum));
    }
    expect(await page.locator('[data-action=next]').isEnabled()).toBe(true);
    await saveScreenshot(page, 'simulated-rankings-week');

    // ‹ Previous: the week before, in the hash, the heading and the ranking.
    await page.locator('[data-action=previous]').click();
    await page.waitForURL(/date=2026-03-23/);
    expect(page.url()).toBe(`${gateway.url}/#/rankings?period=week&date=2026-03-23&by=model&measure=total_tokens`);
    await waitForPeriod(page, 'Week 23 Mar – 29 Mar 2026 (UTC)');
    const previous = await weekRanking(gateway, '2026-03-23');
    expect(previous.current.start).toBe('2026-03-23T00:00:00+00:00');
    expect(previous.rows.length).toBeGreaterThan(0);
    await expectTopRow(page, previous);
    expect(await textOf(page, '.origin-card h2')).toBe('Tokens by origin, 8 weeks to 29 Mar 2026');
    await saveScreenshot(page, 'simulated-rankings-previous-week');

    // Next › comes back; "This week" goes to today's week, which has no next one yet.
    await page.locator('[data-action=next]').click();
    await page.waitForURL(/date=2026-03-30/);
    await waitForPeriod(page, 'Week 30 Mar – 5 Apr 2026 (UTC)');
    await expectTopRow(page, ranking);
    await page.locator('[data-action=current]').click();
    await page.waitForURL((url) => !url.hash.includes('date='));
    const today = calendarDateOf(Date.now());
    await waitForPeriod(
      page,
      describePeriod({
        period: 'week',
        start: startOfPeriod('week', today),
        end: shiftPeriod('week', today, 1),
        timeZone: 'UTC',
      }),
    );
    expect(await page.locator('[data-action=next]').isDisabled()).toBe(true);
    expect(await page.locator('[data-action=current]').isDisabled()).toBe(true);
    expect(await textOf(page, '.origin-card h2')).toBe('Tokens by origin, last 8 weeks');
    await context.close();
    expect(problems).toEqual([]);
  });

  it('renders the same page on a phone (390×844) without horizontal scroll', async () => {
    const problems: string[] = [];
    const ranking = await weekRanking(gateway, '2026-03-30');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await openPage(context, 'simulated-phone', problems);
    await page.goto(`${gateway.url}/${rankingsHash}`);
    await waitForPeriod(page, 'Week 30 Mar – 5 Apr 2026 (UTC)');
    await expectTopRow(page, ranking);
    expect(await page.locator('svg.origin-chart path.area').count()).toBe(2);
    expect(await readPageWidths(page)).toEqual([390, 390]);
    await saveScreenshot(page, 'phone-simulated-rankings');
    await context.close();
    expect(problems).toEqual([]);
  });
});
