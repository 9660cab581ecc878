import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const dashboardDirectory = new URL('../../dashboard/', import.meta.url);

const assets: Record<string, { readonly file: string; readonly contentType: string }> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/dashboard': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, Buffer>();

/** Serves the dashboard's bundled files (no CDN). Returns false when the path is not an asset. */
export function sendStatic(response: ServerResponse, path: string): boolean {
  const asset = assets[path];
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
  });
  response.end(content);
  return true;
}
