import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dashboardFiles, sendStatic } from './static-route.js';

const dashboardDirectory = fileURLToPath(new URL('../../dashboard/', import.meta.url));
const servedExtensions = ['.html', '.css', '.js', '.svg'];

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(directory, entry.name))
      : [relative(dashboardDirectory, join(directory, entry.name)).replaceAll('\\', '/')],
  );
}

function serve(path: string) {
  const sent: { status?: number; headers?: Record<string, unknown>; body?: Buffer } = {};
  const response = {
    writeHead: (status: number, headers: Record<string, unknown>) => {
      sent.status = status;
      sent.headers = headers;
    },
    end: (body: Buffer) => {
      sent.body = body;
    },
  } as unknown as ServerResponse;
  return { isServed: sendStatic(response, path), ...sent };
}

const sources = dashboardFiles.filter((file) => file.endsWith('.js'));
const read = (file: string) => readFileSync(join(dashboardDirectory, file), 'utf8');

describe('sendStatic', () => {
  it('lists exactly the dashboard files the browser needs (no TypeScript, tests or type declarations)', () => {
    const onDisk = listFiles(dashboardDirectory).filter(
      (file) => servedExtensions.some((extension) => file.endsWith(extension)) && !file.endsWith('.d.ts'),
    );
    expect([...dashboardFiles].sort()).toEqual(onDisk.sort());
  });

  it('serves every relative import of every script (a missing one would break the page in the browser)', () => {
    for (const file of sources) {
      const directory = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
      for (const match of read(file).matchAll(/^import [^;]*? from '(\.{1,2}\/[^']+)';$/gm)) {
        const target = new URL(match[1]!, `http://x/${directory}`).pathname.slice(1);
        expect(dashboardFiles, `${file} imports ${match[1]}`).toContain(target);
      }
    }
  });

  it.each([
    ['/', 'text/html; charset=utf-8'],
    ['/dashboard', 'text/html; charset=utf-8'],
    ['/dashboard/index.html', 'text/html; charset=utf-8'],
    ['/dashboard/app.js', 'text/javascript; charset=utf-8'],
    ['/dashboard/pages/rankings.js', 'text/javascript; charset=utf-8'],
    ['/dashboard/styles.css', 'text/css; charset=utf-8'],
    ['/dashboard/favicon.svg', 'image/svg+xml'],
  ])('%s → 200 %s, nosniff, the file as it is on disk', (path, contentType) => {
    const answer = serve(path);
    expect(answer.isServed).toBe(true);
    expect(answer.status).toBe(200);
    expect(answer.headers?.['content-type']).toBe(contentType);
    expect(answer.headers?.['x-content-type-options']).toBe('nosniff');
    expect(answer.headers?.['content-length']).toBe(answer.body?.length);
  });

  it('sends the security headers with the page', () => {
    expect(serve('/').headers).toMatchObject({
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
    });
    expect(serve('/dashboard/app.js').headers?.['content-security-policy']).toBeUndefined();
  });

  it.each([
    '/dashboard/format.test.ts',
    '/dashboard/format.d.ts',
    '/dashboard/../main.js',
    '/dashboard/x.js',
    '/v1/models',
  ])('does not serve %s', (path) => {
    expect(serve(path).isServed).toBe(false);
  });
});

describe('dashboard sources', () => {
  it('have no inline script or style for the CSP to block', () => {
    const page = read('index.html');
    expect(page).not.toMatch(/<style|style=/i);
    expect([...page.matchAll(/<script\b[^>]*>/gi)].map((tag) => tag[0])).toEqual([
      '<script src="/dashboard/app.js" type="module">',
    ]);
    for (const file of sources) expect(read(file), file).not.toMatch(/\.style\b|setAttribute\('style'/);
  });

  it('never put data into HTML: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    for (const file of sources) {
      expect(read(file), file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
