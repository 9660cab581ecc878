import { analyticsLimits } from './analytics-limits.js';

const controlCharacters = /\p{Cc}+/gu;
/** Invisible format characters (zero-width space, BOM, bidi overrides, soft hyphen…) but the joiners and tags. */
const formatCharacters = /(?!\u200C|\u200D|[\u{E0020}-\u{E007F}])\p{Cf}/gu;
const whitespaceRuns = /\s+/gu;
/** A title of only these shows nothing. */
const invisibleOnly = /^(?:\s|\u200C|\u200D)*$/u;

/**
 * The app a generation is attributed to in rankings, from OpenRouter's attribution headers:
 * 1. `X-Title` when it has visible text: trimmed, control characters dropped, invisible format characters (zero-width
 *    space, BOM, bidi overrides; not the joiners of emoji and scripts) removed, whitespace runs collapsed to one space,
 *    case kept (it is the name the app chose to show);
 * 2. else the host of `HTTP-Referer`, lower-cased, without a leading `www.` or trailing dot (a referer without a
 *    scheme, `example.com:3000`, is read as https). Only the host: a referer's path and query may carry
 *    identifiers that must not reach a public page;
 * 3. else '' (unattributed).
 * Cut to {@link analyticsLimits.appNameLengthMax} code points, since both headers are client-chosen.
 */
export function convertAppName(appTitle: string | null, appReferer: string | null): string {
  const title = appTitle === null ? '' : cleanTitle(appTitle);
  if (title !== '') return cutToLength(title);
  const host = appReferer === null ? '' : findRefererHost(appReferer.trim());
  return cutToLength(host);
}

function cleanTitle(title: string): string {
  const cleaned = title
    .replace(controlCharacters, ' ')
    .replace(formatCharacters, '')
    .replace(whitespaceRuns, ' ')
    .trim();
  return invisibleOnly.test(cleaned) ? '' : cleaned;
}

function findRefererHost(referer: string): string {
  if (referer === '') return '';
  const host = readHostname(referer.includes('://') ? referer : `https://${referer}`);
  return host
    .toLowerCase()
    .replace(/^www\./u, '')
    .replace(/\.$/u, '');
}

function readHostname(text: string): string {
  try {
    return new URL(text).hostname;
  } catch {
    return '';
  }
}

function cutToLength(text: string): string {
  const codePoints = Array.from(text);
  return codePoints.length <= analyticsLimits.appNameLengthMax
    ? text
    : codePoints.slice(0, analyticsLimits.appNameLengthMax).join('').trimEnd();
}
