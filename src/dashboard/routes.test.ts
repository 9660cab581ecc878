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
    [
      '#/rankings?period=week&date=2026-03-30',
      { page: 'rankings', rest: '', params: { period: 'week', date: '2026-03-30' } },
    ],
    [
      '#/rankings?period=month&date=2026-02-01&by=origin&measure=requests',
      {
        page: 'rankings',
        rest: '',
        params: { period: 'month', date: '2026-02-01', by: 'origin', measure: 'requests' },
      },
    ],
    // The page checks the date (calendar.js parseCalendarDate); the route keeps what the hash says.
    ['#/rankings?date=2026-02-30', { page: 'rankings', rest: '', params: { date: '2026-02-30' } }],
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
    expect(
      buildHash('rankings', '', { period: 'week', date: '2026-03-23', by: 'model', measure: 'total_tokens' }),
    ).toBe('#/rankings?period=week&date=2026-03-23&by=model&measure=total_tokens');
    // "This week" drops the date: the page then shows the period holding today.
    expect(buildHash('rankings', '', { period: 'week', date: undefined, by: 'model' })).toBe(
      '#/rankings?period=week&by=model',
    );
    expect(parseRoute(buildHash('activity', '', { org: 'a&b c' }))).toEqual({
      page: 'activity',
      rest: '',
      params: { org: 'a&b c' },
    });
  });
});
