import { describe, expect, it } from 'vitest';
import { validateSchema } from './openapi.js';

describe('OpenAPI validator', () => {
  it('accepts a minimal valid error and rejects a malformed one', () => {
    expect(validateSchema('ErrorResponse', { error: { message: 'm', type: 't', param: null, code: 'c' } })).toEqual([]);
    expect(validateSchema('ErrorResponse', { error: { message: 1 } }).length).toBeGreaterThan(0);
  });
});
