import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Debian's Chromium (never a browser download: `npx playwright install` is not used). `.ci/run` installs it
 * when missing; elsewhere the browser tests skip with a printed reason, unless MERIDIAN_REQUIRE_SERVICES=1.
 */
export const chromiumPath = process.env['MERIDIAN_CHROMIUM'] || '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
const isRequired = process.env['MERIDIAN_REQUIRE_SERVICES'] === '1';

/** True when the browser tests must skip; says why once. */
export function shouldSkipBrowserTests(): boolean {
  if (hasChromium || isRequired) return false;
  console.warn(
    `[browser tests skipped] no Chromium at ${chromiumPath}: install Debian's chromium (apt-get install chromium) ` +
      'or set MERIDIAN_CHROMIUM to a Chromium binary.',
  );
  return true;
}

export async function launchChromium(): Promise<Browser> {
  if (!hasChromium) {
    throw new Error(`MERIDIAN_REQUIRE_SERVICES=1 but there is no Chromium at ${chromiumPath} (.ci/run installs it).`);
  }
  return chromium.launch({ executablePath: chromiumPath });
}

/** Longest a single wait for the page may take; a hanging step fails with its locator's name. */
export const stepTimeoutMs = 15_000;

/** A page whose console errors and uncaught exceptions are collected into `problems`, labelled. */
export async function openPage(context: BrowserContext, label: string, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeoutMs);
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`${label}: console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`${label}: uncaught ${error.name}: ${error.message}`));
  return page;
}

/** The page's document, typed as far as these helpers use it (the test project has no DOM types). */
interface PageDocument {
  querySelector(selector: string): unknown;
  readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number };
  readonly body: { readonly dataset: Record<string, string | undefined> };
}

/** Waits until no section of the page is loading any more. (Functions, not strings: the CSP forbids eval.) */
export async function waitForSettled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    return document.querySelector('.page') !== null && document.querySelector('.state-loading') === null;
  });
}

/** `[scrollWidth, clientWidth]` of the page: equal when nothing scrolls sideways. */
export async function readPageWidths(page: Page): Promise<[number, number]> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: PageDocument }).document.documentElement;
    return [root.scrollWidth, root.clientWidth] as [number, number];
  });
}

/** Whether an injected handler ran (it would set `data-pwned` on the body). */
export async function readPwnedFlag(page: Page): Promise<string | null> {
  return page.evaluate(
    () => (globalThis as unknown as { document: PageDocument }).document.body.dataset['pwned'] ?? null,
  );
}

const screenshotDirectory = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

/** Saves a full-page screenshot as a CI artifact (`test-artifacts/screenshots/<name>.png`). */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDirectory, { recursive: true });
  await page.screenshot({ path: `${screenshotDirectory}${name}.png`, fullPage: true });
}

/** Signs in through the page's own form. */
export async function signInWithForm(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/#/sign-in`);
  await page.locator('#sign-in-key').fill(key);
  await page.locator('form.sign-in-form button[type=submit]').click();
  await page.locator('#session [data-field=who]').waitFor();
}
