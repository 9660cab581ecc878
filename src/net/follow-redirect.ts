/** The request a guarded client sends for one hop. */
export interface HopRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** Headers that authenticate to one origin and must not follow a redirect to another. */
const originBoundHeaders = ['authorization', 'cookie', 'proxy-authorization'];
/** Headers that describe a body, dropped with it. */
const bodyHeaders = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/** Whether a response is a redirect this client follows (it then needs a `location`). */
export function isRedirectStatus(statusCode: number): boolean {
  return redirectStatuses.has(statusCode);
}

/**
 * The next hop after a redirect to `nextUrl`, with the Fetch standard's rules: 303,
 * and 301/302 after a POST, become a GET without body; 307/308 keep method and body.
 * Credentials headers are dropped when the origin changes, so a redirect cannot
 * carry a webhook's token to another host. The caller validates `nextUrl` like any URL.
 */
export function followRedirect(hop: HopRequest, statusCode: number, nextUrl: URL): HopRequest {
  const headers: Record<string, string> = { ...hop.headers };
  if (nextUrl.origin !== hop.url.origin) for (const name of originBoundHeaders) delete headers[name];
  const isToGet = (statusCode === 303 && hop.method !== 'HEAD') || (statusCode <= 302 && hop.method === 'POST');
  if (!isToGet) return { url: nextUrl, method: hop.method, headers, body: hop.body };
  for (const name of bodyHeaders) delete headers[name];
  return { url: nextUrl, method: 'GET', headers, body: undefined };
}
