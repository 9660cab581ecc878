import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';
import type { LogLevel } from './create-logger.js';

function capture(level: LogLevel) {
  const lines: string[] = [];
  const log = createLogger({
    level,
    write: (line) => lines.push(line),
    now: () => Date.UTC(2026, 10, 30, 12, 0, 0, 5),
  });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes one JSON line per event: level, time, event, then the fields in order', () => {
    const { log, lines } = capture('info');
    log.info('request', {
      requestId: 'req-1',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      ending: 'success',
      durationMs: 12,
      model: 'test/canary',
      provider: 'fake',
      ttftMs: 3,
    });
    expect(lines).toEqual([
      '{"level":"info","time":"2026-11-30T12:00:00.005Z","event":"request","requestId":"req-1","method":"POST",' +
        '"path":"/v1/chat/completions","status":200,"ending":"success","durationMs":12,"model":"test/canary",' +
        '"provider":"fake","ttftMs":3}\n',
    ]);
  });

  it('writes an event without fields, and bigint money as an exact decimal string', () => {
    const { log, lines } = capture('info');
    log.warn('metrics_collect_failed');
    log.info('charged', { costNanos: 9_007_199_254_740_993n });
    expect(lines).toEqual([
      '{"level":"warn","time":"2026-11-30T12:00:00.005Z","event":"metrics_collect_failed"}\n',
      '{"level":"info","time":"2026-11-30T12:00:00.005Z","event":"charged","costNanos":"9007199254740993"}\n',
    ]);
  });

  it('redacts credential fields at the top level, in headers, and under other spellings deeper down', () => {
    const { log, lines } = capture('info');
    log.info('upstream', {
      authorization: 'Bearer x',
      cookie: 'session=1',
      headers: { authorization: 'Basic y', 'x-api-key': 'k1', 'set-cookie': ['a=1'], accept: 'application/json' },
      provider: { id: 'deepseek', apiKey: 'k2', api_key: 'k3' },
      deep: { a: { clientSecret: 's', accessToken: 't', promptTokens: 5 } },
    });
    expect(lines).toEqual([
      '{"level":"info","time":"2026-11-30T12:00:00.005Z","event":"upstream","authorization":"[redacted]",' +
        '"cookie":"[redacted]","headers":{"authorization":"[redacted]","x-api-key":"[redacted]",' +
        '"set-cookie":"[redacted]","accept":"application/json"},"provider":{"id":"deepseek","apiKey":"[redacted]",' +
        '"api_key":"[redacted]"},"deep":{"a":{"clientSecret":"[redacted]","accessToken":"[redacted]","promptTokens":5}}}\n',
    ]);
  });

  it('scrubs key-shaped strings anywhere in a field (an upstream echoing the key it was sent)', () => {
    const { log, lines } = capture('error');
    log.error('internal_error', {
      requestId: 'req-2',
      error: 'Incorrect API key provided: Bearer sk-canary-provider-0123456789abcdef; also sk-mer-v1-AbCd is shown',
      causes: [new Error('key AIzaSyA1234567890abcdefghijklmnopqrstuv rejected')],
    });
    expect(lines).toEqual([
      '{"level":"error","time":"2026-11-30T12:00:00.005Z","event":"internal_error","requestId":"req-2",' +
        '"error":"Incorrect API key provided: [redacted]; also sk-mer-v1-AbCd is shown",' +
        '"causes":["Error: key [redacted] rejected"]}\n',
    ]);
  });

  it('writes nothing below its level, and nothing at all when silent', () => {
    const warnOnly = capture('warn');
    warnOnly.log.info('request', { requestId: 'req-3' });
    warnOnly.log.warn('slow', { requestId: 'req-3' });
    expect(warnOnly.lines).toEqual([
      '{"level":"warn","time":"2026-11-30T12:00:00.005Z","event":"slow","requestId":"req-3"}\n',
    ]);
    const silent = capture('silent');
    silent.log.info('a');
    silent.log.warn('b');
    silent.log.error('c', { requestId: 'req-4' });
    expect(silent.lines).toEqual([]);
  });

  it('makes every method of an off level the same no-op', () => {
    const { log } = capture('silent');
    expect(log.info).toBe(log.error);
    expect(log.warn).toBe(log.error);
  });

  it('cuts nesting deeper than four levels', () => {
    const { log, lines } = capture('info');
    log.info('nested', { a: { b: { c: { d: { e: { f: 1 } } } } } });
    expect(lines).toEqual([
      '{"level":"info","time":"2026-11-30T12:00:00.005Z","event":"nested","a":{"b":{"c":{"d":{"e":"[too deep]"}}}}}\n',
    ]);
  });
});
