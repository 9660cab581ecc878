/**
 * Reads an upstream error body of any shape: OpenAI `{error:{message,code,type}}`,
 * `{error:"text"}`, `{message}`, `{detail}`, plain text, or nothing.
 */
export function readErrorBody(
  status: number,
  bodyText: string,
): { readonly message: string; readonly code: string | undefined } {
  let parsed: unknown;
  try {
    parsed = bodyText === '' ? undefined : (JSON.parse(bodyText) as unknown);
  } catch {
    parsed = undefined;
  }
  const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  const error = body?.['error'];
  if (typeof error === 'object' && error !== null) {
    const fields = error as Record<string, unknown>;
    const message = typeof fields['message'] === 'string' ? fields['message'] : `HTTP ${status}`;
    const code =
      typeof fields['code'] === 'string'
        ? fields['code']
        : typeof fields['type'] === 'string'
          ? fields['type']
          : undefined;
    return { message, code };
  }
  for (const candidate of [error, body?.['message'], body?.['detail']]) {
    if (typeof candidate === 'string' && candidate !== '') return { message: candidate, code: undefined };
  }
  const text = bodyText.trim();
  return { message: text === '' ? `HTTP ${status} with an empty body` : text.slice(0, 500), code: undefined };
}
