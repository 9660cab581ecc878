import type { IncomingMessage } from 'node:http';
import type { InboundProtocolId } from './app-context.js';

/** `GET /v1/models/{model}`: one or two path segments (a slug holds a slash, sent as is or encoded). */
export const modelPathPattern = /^\/v1\/models\/([^/]+(?:\/[^/]+)?)$/;

/** `/api/v1/x` → `/v1/x`; a trailing slash is ignored. Auth decisions use this same normalised path. */
export function normalisePath(pathname: string): string {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return trimmed.startsWith('/api/v1/') ? trimmed.slice(4) : trimmed;
}

/** The request's normalised path, without its query string. */
export function readRequestPath(request: IncomingMessage): string {
  return normalisePath(readSentPath(request));
}

/**
 * The path as the client sent it, without its query string: what the request log shows, so an operator reads the
 * `/api/v1/...` or `/v1/...` path the client's configuration holds (routing and metrics use `readRequestPath`).
 */
export function readSentPath(request: IncomingMessage): string {
  return (request.url ?? '/').split('?', 1)[0] ?? '/';
}

export function readHeader(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? null : text.slice(0, 512);
}

/**
 * A header holding text a person wrote (an app's name): Node reads header bytes as Latin-1, so `Café 日本` sent as UTF-8
 * arrives as `CafÃ© æ\x97¥…`. Read as UTF-8 when its bytes are valid UTF-8; else as they came.
 */
export function readTextHeader(request: IncomingMessage, name: string): string | null {
  const text = readHeader(request, name);
  if (text === null || !/[\u0080-\u00ff]/.test(text)) return text;
  const decoded = Buffer.from(text, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? text : decoded;
}

/** Headers besides the body that shape a model's answer (every copy of `anthropic-beta`), for the cache key. */
export function readAnswerShapingHeaders(request: IncomingMessage): string {
  const beta = request.headers['anthropic-beta'];
  return beta === undefined ? '' : typeof beta === 'string' ? beta : beta.join(',');
}

export function isAnthropicClient(request: IncomingMessage): boolean {
  return request.headers['anthropic-version'] !== undefined;
}

/** Anthropic routes, and `GET /v1/models` (one or all) from an Anthropic client, answer in Anthropic's shapes. */
export function chooseDialect(request: IncomingMessage): InboundProtocolId {
  return chooseDialectFor(readRequestPath(request), isAnthropicClient(request));
}

/** The same choice from a normalised path and whether the request sent `anthropic-version`. */
export function chooseDialectFor(path: string, isAnthropic: boolean): InboundProtocolId {
  const isModels = path === '/v1/models' || modelPathPattern.test(path);
  return path.startsWith('/v1/messages') || (isModels && isAnthropic) ? 'anthropic-messages' : 'openai-chat';
}
