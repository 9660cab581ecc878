import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findAllowedMethods } from './route-methods.js';

const appSource = readFileSync(new URL('./app.ts', import.meta.url), 'utf8');

describe('findAllowedMethods', () => {
  it('lists every route app.ts dispatches by name', () => {
    const cases = [...appSource.matchAll(/case '([A-Z]+) (\/[^']*)':/g)].map(
      (match) => [match[1]!, match[2]!] as const,
    );
    expect(cases.length).toBeGreaterThan(25);
    for (const [method, path] of cases)
      expect([path, findAllowedMethods(path)]).toEqual([path, expect.arrayContaining([method])]);
  });

  it('lists the routes app.ts matches by pattern, with their methods only', () => {
    expect(findAllowedMethods('/v1/orgs/acme/credits')).toEqual(['POST']);
    expect(findAllowedMethods('/v1/orgs/acme')).toEqual(['PATCH']);
    expect(findAllowedMethods('/v1/models/deepseek/deepseek-v3.2/endpoints')).toEqual(['GET', 'HEAD']);
    expect(findAllowedMethods('/v1/models/deepseek/deepseek-v3.2')).toEqual(['GET', 'HEAD']);
    expect(findAllowedMethods('/v1/models/deepseek%2Fdeepseek-v3.2')).toEqual(['GET', 'HEAD']);
    expect(findAllowedMethods('/v1/keys/key_0123abcd/rotate')).toEqual(['POST']);
    expect(findAllowedMethods('/v1/keys/key_0123abcd')).toEqual(['PATCH', 'DELETE']);
    expect(findAllowedMethods('/v1/providers/local-vllm')).toEqual(['GET', 'PATCH', 'DELETE', 'HEAD']);
    expect(findAllowedMethods('/v1/chat/completions')).toEqual(['POST']);
    expect(findAllowedMethods('/v1/keys')).toEqual(['GET', 'POST', 'HEAD']);
  });

  it('has no methods for a path no route has', () => {
    for (const path of ['/', '/v1', '/v1/chat', '/v1/orgs/acme/keys', '/v1/keys/a/b', '/v2/chat/completions'])
      expect([path, findAllowedMethods(path)]).toEqual([path, []]);
  });
});
