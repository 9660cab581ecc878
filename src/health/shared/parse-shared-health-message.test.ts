import { describe, expect, it } from 'vitest';
import { parseSharedHealthMessage } from './parse-shared-health-message.js';

describe('parseSharedHealthMessage', () => {
  it('reads a message and ignores unknown fields', () => {
    expect(parseSharedHealthMessage('{"endpoint":"acme/model-x","untilMs":16000,"nodeId":"gw-1","v":2}')).toEqual({
      endpoint: 'acme/model-x',
      untilMs: 16_000,
      nodeId: 'gw-1',
    });
    expect(parseSharedHealthMessage('{"endpoint":"acme/model-x","untilMs":0,"nodeId":"gw-1"}')?.untilMs).toBe(0);
  });

  it.each([
    ['not JSON', 'open'],
    ['a JSON string', '"acme/model-x"'],
    ['null', 'null'],
    ['an array', '[1,2,3]'],
    ['no endpoint', '{"untilMs":1,"nodeId":"gw-1"}'],
    ['an empty endpoint', '{"endpoint":"","untilMs":1,"nodeId":"gw-1"}'],
    ['a numeric node id', '{"endpoint":"a/m","untilMs":1,"nodeId":7}'],
    ['a string until-time', '{"endpoint":"a/m","untilMs":"1","nodeId":"gw-1"}'],
    ['a negative until-time', '{"endpoint":"a/m","untilMs":-1,"nodeId":"gw-1"}'],
    ['an overflowing until-time', '{"endpoint":"a/m","untilMs":1e999,"nodeId":"gw-1"}'],
    ['an over-long endpoint', `{"endpoint":"${'x'.repeat(257)}","untilMs":1,"nodeId":"gw-1"}`],
    ['an over-long message', `{"endpoint":"a/m","untilMs":1,"nodeId":"gw-1","pad":"${'x'.repeat(1_024)}"}`],
  ])('drops %s', (_label, text) => {
    expect(parseSharedHealthMessage(text)).toBeUndefined();
  });
});
