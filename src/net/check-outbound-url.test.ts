import { describe, expect, it } from 'vitest';
import { checkOutboundUrl } from './check-outbound-url.js';
import type { ResolvedAddress } from './outbound-lookup.js';
import { parseOutboundAllowList } from './parse-allow-list.js';

const answers: Record<string, ResolvedAddress[]> = {
  'api.example.test': [{ address: '93.184.216.34', family: 4 }],
  'internal.example.test': [{ address: '10.1.2.3', family: 4 }],
};
const options = {
  allowList: parseOutboundAllowList(['vllm.lan:8000']),
  lookup: (hostName: string) => Promise.resolve(answers[hostName] ?? [{ address: '127.0.0.1', family: 4 }]),
  timeoutMs: 1_000,
};

describe('checkOutboundUrl', () => {
  it('returns the parsed URL of a public destination', async () => {
    const url = await checkOutboundUrl('https://API.example.test/v1?x=1', options);
    expect(url.href).toBe('https://api.example.test/v1?x=1');
  });

  it('accepts an allow-listed name on its port only', async () => {
    expect((await checkOutboundUrl('http://vllm.lan:8000/v1', options)).host).toBe('vllm.lan:8000');
    await expect(checkOutboundUrl('http://vllm.lan:8001/v1', options)).rejects.toMatchObject({
      code: 'outbound_refused',
      reason: 'loopback',
      url: 'http://vllm.lan:8001/v1',
    });
  });

  it.each([
    ['https://internal.example.test/v1', 'private'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://0xa9fea9fe/', 'cloud_metadata'],
    ['ws://api.example.test/', 'unsupported_scheme'],
  ])('refuses %s as %s', async (url, reason) => {
    await expect(checkOutboundUrl(url, options)).rejects.toMatchObject({ code: 'outbound_refused', reason });
  });
});
