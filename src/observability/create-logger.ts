/**
 * A minimal structured logger: one JSON line per event on stderr. Prompts,
 * completions and secrets are never passed to it (callers log ids, codes and
 * timings only). The production-hardening issue replaces it with pino + redaction.
 */
export interface Logger {
  info(event: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(event: string, fields?: Readonly<Record<string, unknown>>): void;
  error(event: string, fields?: Readonly<Record<string, unknown>>): void;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

const levelRank: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };

/** Creates a logger writing to `write` (stderr by default) at or above `level`. */
export function createLogger(options: { readonly level: LogLevel; readonly write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const minimum = levelRank[options.level];
  function log(level: Exclude<LogLevel, 'silent'>, event: string, fields?: Readonly<Record<string, unknown>>): void {
    if (levelRank[level] < minimum) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }, bigintReplacer)}\n`);
  }
  return {
    info: (event, fields) => log('info', event, fields),
    warn: (event, fields) => log('warn', event, fields),
    error: (event, fields) => log('error', event, fields),
  };
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
