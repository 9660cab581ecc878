import { testAdminKey } from './gateway-config.js';

/**
 * Two providers, `fake-a` (cheaper) and `fake-b`, serving one model `test/failover`,
 * with short timeouts so fault tests finish fast. Tests route with `provider.sort:
 * "price"` to try A first deterministically.
 */
export function createFailoverConfig(aBaseUrl: string, bBaseUrl: string): string {
  const provider = (id: string, url: string) => `
  - id: ${id}
    protocol: openai
    base_url: ${url}
    api_key: ${id}-secret
    timeouts: { connect_ms: 500, first_byte_ms: 400, idle_ms: 400 }`;
  const endpoint = (id: string, prompt: string) => `
      - provider: ${id}
        model: upstream-${id}
        pricing: { prompt: "${prompt}", completion: "2.00" }`;
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
routing: { deadline_ms: 3000 }
providers:${provider('fake-a', aBaseUrl)}${provider('fake-b', bBaseUrl)}
models:
  - id: test/failover
    name: Failover Model
    author: test
    origin: US
    context_length: 131072
    endpoints:${endpoint('fake-a', '1.00')}${endpoint('fake-b', '3.00')}
`;
}
