import pino from 'pino';
import { redactedText, scrubLogFields } from './scrub-log-fields.js';

/**
 * The gateway's structured logger: one JSON line per event, `{"level","time","event",…fields}`. Callers log ids,
 * codes and timings only, never prompts, completions or secrets; behind that rule, pino's `redact` blanks the
 * credential fields and `scrubLogFields` the secret-shaped strings (an upstream's echo of a key in an error).
 */
export interface Logger {
  info(event: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(event: string, fields?: Readonly<Record<string, unknown>>): void;
  error(event: string, fields?: Readonly<Record<string, unknown>>): void;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go (tests inject one); default: stdout, written synchronously so a crash loses no line. */
  readonly write?: (line: string) => void;
  /** The clock for `time` (tests fix it). */
  readonly now?: () => number;
}

/**
 * Credential fields at the top level and in a `headers` object. Exact paths only: pino's wildcard paths (`*.apiKey`)
 * cost ~25 µs a line here, ten times the line itself; `scrubLogFields` catches the same names at any depth and
 * under other spellings (`clientSecret`, `accessToken`) for a fraction of that.
 */
const redactedPaths = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  '["x-api-key"]',
  'apiKey',
  'api_key',
  'secret',
  'password',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-api-key"]',
];

function noop(): void {}

/** Creates a logger writing at or above `level`; a level that is off is a shared no-op (no line, no fields merged). */
export function createLogger(options: LoggerOptions): Logger {
  const now = options.now ?? Date.now;
  const destination =
    options.write === undefined ? pino.destination({ dest: 1, sync: true }) : { write: options.write };
  const logger = pino(
    {
      level: options.level,
      base: undefined,
      timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }), log: scrubLogFields },
      redact: { paths: redactedPaths, censor: redactedText },
    },
    destination,
  );
  const method = (level: Exclude<LogLevel, 'silent'>): Logger[typeof level] => {
    if (!logger.isLevelEnabled(level)) return noop;
    return (event, fields) => logger[level]({ event, ...fields });
  };
  return { info: method('info'), warn: method('warn'), error: method('error') };
}
