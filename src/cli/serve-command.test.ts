import { describe, expect, it } from 'vitest';
import { readLogLevel } from './serve-command.js';

describe('readLogLevel', () => {
  it('reads every level the logger has, info when unset or empty', () => {
    expect(['info', 'warn', 'error', 'silent', undefined, ''].map(readLogLevel)).toEqual([
      'info',
      'warn',
      'error',
      'silent',
      'info',
      'info',
    ]);
  });

  it('refuses any other value, naming the variable and the levels', () => {
    for (const value of ['debug', 'WARN', 'verbose', ' info']) {
      expect(() => readLogLevel(value)).toThrow(
        `MERIDIAN_LOG_LEVEL must be one of info, warn, error, silent; got '${value}'.`,
      );
    }
  });
});
