import type { ServerResponse } from 'node:http';

/**
 * Sends what the response has written so far now, not at the end of this tick. node:http corks the socket on a
 * response's write and uncorks it on the next tick, so a write made while handling one upstream read leaves only
 * after every other event of that read was handled too: when a provider's first chunks arrive in one burst, the
 * first token waited for the whole burst. Uncorking here is what that next-tick callback does, earlier; it then
 * finds the socket uncorked and does nothing.
 */
export function flushResponse(response: ServerResponse): void {
  const socket = response.socket;
  if (socket !== null && socket.writableCorked > 0) socket.uncork();
}
