/**
 * `--json`: one JSON document on stdout and nothing else there (notes and warnings go to stderr), for scripts. Money
 * leaves the serializers as text already (`…_nanos`): a bigint reaching here is a bug, and JSON.stringify throws.
 */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The option every read command takes. */
export const jsonOption = ['--json', 'print one JSON document on stdout (for scripts) instead of text'] as const;
