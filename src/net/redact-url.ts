/**
 * The URL as errors and logs may show it: without user name, password, query or
 * fragment, where tokens and signatures usually travel. Path secrets (some webhook
 * URLs carry one) stay, so treat the result as operator-only, not client-facing, data
 * when the URL came from a third party.
 */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
