// Hash routes of the dashboard: `#/rankings?period=week&date=2026-03-30`, `#/activity/gen-…`, `#/models/author/slug`.
// Pure functions (no DOM), unit-tested in routes.test.ts.

/** Pages, in navigation order; `isPublic`: shown without a session (Rankings only when the operator allows it). */
export const pages = [
  { name: 'rankings', title: 'Rankings', isPublic: true },
  { name: 'activity', title: 'Activity', isPublic: false },
  { name: 'models', title: 'Models', isPublic: true },
  { name: 'keys', title: 'Keys & credits', isPublic: false },
];

const defaultPage = 'rankings';
const knownNames = new Set([...pages.map((page) => page.name), 'sign-in']);

/**
 * `location.hash` → `{ page, rest, params }`: `rest` is the path after the page (a generation id, a model slug),
 * `params` the query as a plain object. Unknown pages fall back to Rankings.
 */
export function parseRoute(hash) {
  const text = String(hash ?? '').replace(/^#\/?/, '');
  const queryStart = text.indexOf('?');
  const path = queryStart === -1 ? text : text.slice(0, queryStart);
  const query = queryStart === -1 ? '' : text.slice(queryStart + 1);
  const segments = path.split('/').filter((segment) => segment !== '');
  const name = segments[0] ?? defaultPage;
  const params = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodePart(equals === -1 ? pair : pair.slice(0, equals));
    params[key] = decodePart(equals === -1 ? '' : pair.slice(equals + 1));
  }
  if (!knownNames.has(name)) return { page: defaultPage, rest: '', params: {} };
  return { page: name, rest: segments.slice(1).map(decodePart).join('/'), params };
}

/** The inverse: `buildHash('rankings', '', {period: 'month'})` → `#/rankings?period=month`. */
export function buildHash(page, rest, params) {
  const path = [
    page,
    ...String(rest ?? '')
      .split('/')
      .filter((segment) => segment !== ''),
  ]
    .map(encodeURIComponent)
    .join('/');
  const query = Object.entries(params ?? {})
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `#/${path}${query === '' ? '' : `?${query}`}`;
}

function decodePart(text) {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}
