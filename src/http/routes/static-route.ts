import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const dashboardDirectory = new URL('../../dashboard/', import.meta.url);

const contentTypes = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
} as const;

/**
 * Every file of the dashboard, relative to `src/dashboard/` (copied into `dist/` by `scripts/copy-assets.mjs`).
 * A file missing here is not served: `static-route.test.ts` checks this list against the folder.
 */
export const dashboardFiles = [
  'index.html',
  'styles.css',
  'favicon.svg',
  'app.js',
  'api.js',
  'session.js',
  'routes.js',
  'dom.js',
  'format.js',
  'calendar.js',
  'chart-geometry.js',
  'charts.js',
  'pages/rankings.js',
  'pages/activity.js',
  'pages/generation.js',
  'pages/models.js',
  'pages/keys.js',
  'pages/sign-in.js',
] as const;

/**
 * The page's own headers: scripts, styles and connections only from this origin (no inline script or style,
 * so injected markup cannot run), images also as `data:` URLs, never framed (clickjacking).
 */
export const dashboardSecurityHeaders = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
} as const;

interface Asset {
  readonly file: string;
  readonly contentType: string;
  readonly isPage: boolean;
}

function createAssets(): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of dashboardFiles) {
    const extension = file.slice(file.lastIndexOf('.') + 1) as keyof typeof contentTypes;
    assets.set(`/dashboard/${file}`, { file, contentType: contentTypes[extension], isPage: extension === 'html' });
  }
  const page = assets.get('/dashboard/index.html')!;
  assets.set('/', page);
  assets.set('/dashboard', page);
  return assets;
}

const assets = createAssets();
const cache = new Map<string, Buffer>();

/** Serves the dashboard's bundled files (no CDN). Returns false when the path is not an asset. */
export function sendStatic(response: ServerResponse, path: string): boolean {
  const asset = assets.get(path);
  if (asset === undefined) return false;
  let content = cache.get(asset.file);
  if (content === undefined) {
    content = readFileSync(new URL(asset.file, dashboardDirectory));
    cache.set(asset.file, content);
  }
  response.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': content.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(asset.isPage ? dashboardSecurityHeaders : {}),
  });
  response.end(content);
  return true;
}
