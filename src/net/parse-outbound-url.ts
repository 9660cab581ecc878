import { OutboundRefusedError } from './outbound-refused-error.js';
import { redactUrl } from './redact-url.js';

/**
 * Reads a URL that arrived through the API or a request. The WHATWG parser
 * normalises the host first (`http://0x7f.1/` becomes `127.0.0.1`, full-width digits
 * and percent-escapes are decoded), so the address checks that follow see one
 * canonical form. Only http and https; user name and password in a URL are refused
 * rather than sent, because they would travel to whatever the URL points at.
 */
export function parseOutboundUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    // The text is not echoed: it may hold credentials the parser could not separate.
    throw new OutboundRefusedError({ reason: 'invalid_url', url: '(invalid url)' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundRefusedError({ reason: 'unsupported_scheme', url: `${url.protocol}…` });
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundRefusedError({ reason: 'credentials_in_url', url: redactUrl(url) });
  }
  return url;
}
