import { isObject } from '../../shared/field-readers.js';

/** How much of a non-JSON error body becomes the message: enough to identify a proxy page, not a whole HTML document. */
const messageCharsMax = 200;

/**
 * Reads an upstream error body of any shape. Anthropic sends
 * `{type:"error", error:{type, message}}`; compatible vendors sometimes answer in
 * OpenAI's `{error:{message, code}}` or a bare `{message}`. Anything else (HTML from
 * a proxy, plain text, nothing) becomes a short message and no code.
 */
export function readErrorBody(
  status: number,
  bodyText: string,
): { readonly message: string; readonly code: string | undefined } {
  const body = parseJsonObject(bodyText);
  const error = body?.['error'];
  if (isObject(error)) {
    const type = error['type'] ?? error['code'];
    const message = error['message'];
    return {
      message: typeof message === 'string' && message !== '' ? message : `HTTP ${status}`,
      code: typeof type === 'string' ? type : undefined,
    };
  }
  for (const candidate of [error, body?.['message']]) {
    if (typeof candidate === 'string' && candidate !== '') return { message: candidate, code: undefined };
  }
  const text = bodyText.trim();
  return {
    message: text === '' || body !== undefined ? `HTTP ${status}` : text.slice(0, messageCharsMax),
    code: undefined,
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
