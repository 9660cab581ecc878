import { describe, expect, it } from 'vitest';
import { buildHash, parseRoute } from './routes.js';

describe('parseRoute', () => {
  it.each([
    ['', { page: 'rankings', rest: '', params: {} }],
    ['#', { page: 'rankings', rest: '', params: {} }],
    ['#/rankings?period=month&by=author', { page: 'rankings', rest: '', params: { period: 'month', by: 'author' } }],
    ['#/activity/gen-1796-abc', { page: 'activity', rest: 'gen-1796-abc', params: {} }],
    ['#/models/meridian/sandbox-chat', { page: 'models', rest: 'meridian/sandbox-chat', params: {} }],
    ['#/models/a%2Fb/c%3Afree', { page: 'models', rest: 'a/b/c:free', params: {} }],
    ['#/keys?flag', { page: 'keys', rest: '', params: { flag: '' } }],
    ['#/sign-in', { page: 'sign-in', rest: '', params: {} }],
    ['#/nowhere/at/all?x=1', { page: 'rankings', rest: '', params: {} }],
    ['#/activity?org=%E0%A4%A', { page: 'activity', rest: '', params: { org: '%E0%A4%A' } }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
});

describe('buildHash', () => {
  it('builds what parseRoute reads back, skipping empty parameters', () => {
    expect(buildHash('rankings', '', { period: 'month', by: 'app', measure: '' })).toBe(
      '#/rankings?period=month&by=app',
    );
    expect(buildHash('models', 'meridian/sandbox-chat')).toBe('#/models/meridian/sandbox-chat');
    expect(buildHash('activity', 'gen-1', { org: 'a&b' })).toBe('#/activity/gen-1?org=a%26b');
    expect(parseRoute(buildHash('activity', '', { org: 'a&b c' }))).toEqual({
      page: 'activity',
      rest: '',
      params: { org: 'a&b c' },
    });
  });
});
