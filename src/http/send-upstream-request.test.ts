import { describe, expect, it } from 'vitest';
import { redactProviderSecrets } from './send-upstream-request.js';

describe('redactProviderSecrets', () => {
  const provider = {
    apiKey: 'sk-provider-key-0123456789',
    headers: {
      'helicone-auth': 'Bearer sk-helicone-abcdef0123456789',
      'x-portkey-api-key': 'portkey-secret-value-42',
      'x-title': 'My Gateway Deployment',
    },
  };

  it('replaces the key and every credential header value, whole or as its bare token', () => {
    const echo =
      'bad request; headers were authorization=Bearer sk-provider-key-0123456789, ' +
      'helicone-auth=Bearer sk-helicone-abcdef0123456789, token sk-helicone-abcdef0123456789, ' +
      'x-portkey-api-key=portkey-secret-value-42, x-title=My Gateway Deployment';
    expect(redactProviderSecrets(echo, provider)).toBe(
      'bad request; headers were authorization=Bearer [redacted], helicone-auth=[redacted], token [redacted], ' +
        'x-portkey-api-key=[redacted], x-title=My Gateway Deployment',
    );
  });

  it('leaves text alone for a keyless provider without headers', () => {
    expect(redactProviderSecrets('HTTP 400', { apiKey: undefined, headers: {} })).toBe('HTTP 400');
  });
});
