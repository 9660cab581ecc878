import { testAdminKey } from './gateway-config.js';

/** Timeouts short enough for fault tests to finish fast. */
const shortTimeouts = '{ connect_ms: 500, first_byte_ms: 400, idle_ms: 400 }';

/**
 * Two providers, `fake-a` (cheaper) and `fake-b`, serving one model `test/failover`,
 * with short timeouts so fault tests finish fast. Tests route with `provider.sort:
 * "price"` to try A first deterministically.
 */
export function createFailoverConfig(aBaseUrl: string, bBaseUrl: string): string {
  return createFailoverModelsConfig({
    providers: { 'fake-a': aBaseUrl, 'fake-b': bBaseUrl },
    models: { 'test/failover': ['fake-a', 'fake-b'] },
    timeouts: shortTimeouts,
    deadlineMs: 3000,
  });
}

/**
 * OpenAI-compatible providers (id → base URL) and models served by two of them each: the first at the cheaper price
 * (1.00 vs 3.00 per 1M prompt tokens), so `provider.sort: "price"` tries it first.
 */
export function createFailoverModelsConfig(options: {
  readonly providers: Readonly<Record<string, string>>;
  readonly models: Readonly<Record<string, readonly [cheaper: string, dearer: string]>>;
  /** The providers' `timeouts` as a YAML flow mapping. */
  readonly timeouts: string;
  readonly deadlineMs: number;
}): string {
  const provider = ([id, url]: [string, string]) => `
  - id: ${id}
    protocol: openai
    base_url: ${url}
    api_key: ${id}-secret
    timeouts: ${options.timeouts}`;
  const endpoint = (id: string, prompt: string) => `
      - provider: ${id}
        model: upstream-${id}
        pricing: { prompt: "${prompt}", completion: "2.00" }`;
  const model = ([id, [cheaper, dearer]]: [string, readonly [string, string]]) => `
  - id: ${id}
    name: ${id}
    author: test
    origin: US
    context_length: 131072
    endpoints:${endpoint(cheaper, '1.00')}${endpoint(dearer, '3.00')}`;
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
routing: { deadline_ms: ${options.deadlineMs} }
providers:${Object.entries(options.providers).map(provider).join('')}
models:${Object.entries(options.models).map(model).join('')}
`;
}
