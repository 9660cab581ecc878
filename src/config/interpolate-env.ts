/** One `${VAR:?message}` that was unset, with the path of the value that named it. */
export interface InterpolationIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** `$${`, a variable reference, or (last) any other `${`: a form this file does not read. */
const pattern = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}|\$\{/g;

/**
 * Replaces `${VAR}` (unset → ""), `${VAR:-default}` (unset or empty → default) and
 * `${VAR:?message}` (unset or empty → an issue) in every string value; `$${` is a
 * literal `${`. Runs on parsed values, so an env value cannot inject YAML structure.
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; issues: InterpolationIssue[] } {
  const issues: InterpolationIssue[] = [];
  const visit = (item: unknown, path: (string | number)[]): unknown => {
    if (typeof item === 'string') return interpolateString(item, env, (message) => issues.push({ path, message }));
    if (Array.isArray(item)) return item.map((element, index) => visit(element, [...path, index]));
    if (typeof item === 'object' && item !== null) {
      return Object.fromEntries(Object.entries(item).map(([key, element]) => [key, visit(element, [...path, key])]));
    }
    return item;
  };
  return { value: visit(value, []), issues };
}

function interpolateString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  report: (message: string) => void,
): string {
  return text.replace(
    pattern,
    (
      match: string,
      name: string | undefined,
      operator: string | undefined,
      argument: string | undefined,
      offset: number,
    ) => {
      if (match === '$${') return '${';
      if (name === undefined) {
        // `${VAR-default}`, `${VAR?message}` (the shell's forms without the colon), `${ VAR }`: never taken as text,
        // which would, say, switch a provider on with the reference itself as its API key.
        report(
          `'${readReference(text, offset)}' is not a variable reference: write \${VAR}, \${VAR:-default} or \${VAR:?message} (and $\${ for a literal \${)`,
        );
        return match;
      }
      const value = env[name];
      const isSet = value !== undefined && value !== '';
      if (operator === ':-') return isSet ? value : (argument ?? '');
      if (operator === ':?') {
        if (!isSet)
          report(
            `environment variable ${name} is required: ${argument === undefined || argument === '' ? 'not set' : argument}`,
          );
        return value ?? '';
      }
      return value ?? '';
    },
  );
}

/** The reference starting at `offset` as written, up to its closing brace (or 40 characters), for a message. */
function readReference(text: string, offset: number): string {
  const end = text.indexOf('}', offset);
  return end === -1 || end - offset > 40 ? `${text.slice(offset, offset + 40)}…` : text.slice(offset, end + 1);
}
