/** A JSON object as read from an untrusted body. */
export type JsonObject = Record<string, unknown>;

/** The value as a plain JSON object, or undefined for anything else (arrays and null included). */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
