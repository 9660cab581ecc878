import { asObject } from '../../shared/field-readers.js';

/** Longest plain-text body kept as an error message; the rest is noise for a client. */
const messageCharsMax = 500;

/**
 * Reads a Gemini error body of any shape: `{error: {code, message, status}}`, the same wrapped in
 * an array (as `streamGenerateContent` without `alt=sse` sends it), plain text, or nothing. The
 * code is Google's status name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, …).
 */
export function readErrorBody(
  status: number,
  bodyText: string,
): { readonly message: string; readonly code: string | undefined } {
  let parsed: unknown;
  try {
    parsed = bodyText.trim() === '' ? undefined : (JSON.parse(bodyText) as unknown);
  } catch {
    parsed = undefined;
  }
  const body = asObject(Array.isArray(parsed) ? parsed[0] : parsed);
  const error = asObject(body?.['error']);
  if (error !== undefined) {
    const message = error['message'];
    const code = error['status'];
    return {
      message: typeof message === 'string' && message !== '' ? message : `HTTP ${status}`,
      code: typeof code === 'string' && code !== '' ? code : undefined,
    };
  }
  const text = bodyText.trim();
  return {
    message: text === '' ? `HTTP ${status} with an empty body` : text.slice(0, messageCharsMax),
    code: undefined,
  };
}
