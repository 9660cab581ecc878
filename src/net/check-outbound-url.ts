import { boundLookup } from './bound-lookup.js';
import { systemLookup } from './outbound-lookup.js';
import type { OutboundLookup } from './outbound-lookup.js';
import type { OutboundAllowList } from './parse-allow-list.js';
import { parseOutboundUrl } from './parse-outbound-url.js';
import { redactUrl } from './redact-url.js';
import { resolveTarget } from './resolve-target.js';

/**
 * Checks a URL when it is written (an admin creating a provider, a webhook being
 * registered), so the API can answer 400 at once instead of failing at first use.
 * Resolves the host and checks every address like the guarded client does. Passing
 * proves nothing for later: DNS may change, which is why the connection checks again.
 * Returns the parsed URL; throws OutboundRefusedError.
 */
export async function checkOutboundUrl(
  input: string | URL,
  options: { readonly allowList: OutboundAllowList; readonly lookup?: OutboundLookup; readonly timeoutMs: number },
): Promise<URL> {
  const url = parseOutboundUrl(input);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const context = { allowList: options.allowList, lookup: options.lookup ?? systemLookup };
  const checking = resolveTarget({ hostName: url.hostname, port, displayUrl: redactUrl(url) }, context);
  await boundLookup(checking, { timeoutMs: options.timeoutMs, hostName: url.hostname });
  return url;
}
