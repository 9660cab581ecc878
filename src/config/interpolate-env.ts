/** One `${VAR:?message}` that was unset, with the path of the value that named it. */
export interface InterpolationIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

const pattern = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g;

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
    (match, name: string | undefined, operator: string | undefined, argument: string | undefined) => {
      if (match === '$${') return '${';
      const value = env[name!];
      const isSet = value !== undefined && value !== '';
      if (operator === ':-') return isSet ? value : (argument ?? '');
      if (operator === ':?') {
        if (!isSet)
          report(
            `environment variable ${name!} is required: ${argument === undefined || argument === '' ? 'not set' : argument}`,
          );
        return value ?? '';
      }
      return value ?? '';
    },
  );
}
