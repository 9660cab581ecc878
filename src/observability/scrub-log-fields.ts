/**
 * The defensive pass over every log line's fields (pino's `formatters.log`): callers log ids, codes and timings
 * only, but an error string can carry what an upstream echoed (a provider key, a bearer header). Secrets are
 * recognised two ways: by field name at any depth, and by shape inside any string. BigInts become decimal strings
 * (money stays exact). The input is returned as is when nothing changes, so a clean line costs one walk, no copy.
 */

/** Replaces every recognised secret. */
export const redactedText = '[redacted]';

/** Nesting walked before a value is cut (log fields are flat; a deeper object is a caller's mistake, not a leak). */
const depthMax = 4;

/**
 * Secret shapes: typed API keys (`sk-…` covers Meridian's `sk-mer-v1-…`, OpenAI, Anthropic, DeepSeek and most
 * OpenAI-compatible vendors), Google API keys, underscore-typed tokens (Groq, Hugging Face, GitHub) and bearer
 * credentials. Lengths are set so ids, short display prefixes (`sk-mer-v1-AbCd`) and prose pass. Each starts at a word
 * boundary or right after a percent escape (`/v1/x%2Fsk-…`, `Bearer%20…` in a logged path), and a bearer's space may be
 * escaped.
 */
const start = String.raw`(?:\b|(?<=%[0-9A-Fa-f]{2}))`;
const secretShapes = new RegExp(
  [
    String.raw`(?:sk|xai)-[A-Za-z0-9_-]{16,}`,
    String.raw`AIza[0-9A-Za-z_-]{30,}`,
    String.raw`(?:gsk|hf|ghp|github_pat)_[A-Za-z0-9_]{20,}`,
    String.raw`Bearer(?:\s|%20|\+)+[^\s"',;]{8,}`,
  ]
    .map((shape) => start + shape)
    .join('|'),
  'g',
);

/** Below this length no shape above can match: the regex is skipped. */
const shapeLengthMin = 14;

/** Field names (lower case, `-` and `_` removed) whose values are always secrets. */
const secretNames: ReadonlySet<string> = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'pepper',
  'masterkey',
  'masterkeys',
  'privatekey',
]);
const secretNameSuffixes = ['apikey', 'secret', 'password', 'token'] as const;

/** Whether a field of this name holds a secret (`apiKey`, `x-api-key`, `api_key`, `clientSecret`, `cookie`, …). */
export function isSecretFieldName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[-_]/g, '');
  return secretNames.has(normalised) || secretNameSuffixes.some((suffix) => normalised.endsWith(suffix));
}

/** `text` with every secret-shaped run replaced by `[redacted]`. */
export function scrubText(text: string): string {
  if (text.length < shapeLengthMin) return text;
  return text.replace(secretShapes, redactedText);
}

/** The fields with secrets replaced and bigints as strings; the same object when nothing needed changing. */
export function scrubLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(fields, 0);
}

function scrubObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const name of Object.keys(object)) {
    const value = object[name];
    const scrubbed = isSecretFieldName(name) && value !== undefined ? redactedText : scrubValue(value, depth + 1);
    if (scrubbed === value) continue;
    copy ??= { ...object };
    copy[name] = scrubbed;
  }
  return copy ?? object;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (depth > depthMax) return '[too deep]';
  if (value instanceof Error) return scrubText(`${value.name}: ${value.message}`);
  if (Array.isArray(value)) return scrubArray(value as readonly unknown[], depth);
  return scrubObject(value as Record<string, unknown>, depth);
}

function scrubArray(array: readonly unknown[], depth: number): readonly unknown[] {
  let copy: unknown[] | undefined;
  for (const [index, value] of array.entries()) {
    const scrubbed = scrubValue(value, depth + 1);
    if (scrubbed === value) continue;
    copy ??= [...array];
    copy[index] = scrubbed;
  }
  return copy ?? array;
}
