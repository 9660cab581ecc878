import { testAdminKey } from './gateway-config.js';

/**
 * One fake OpenAI-protocol provider and a model priced for easy arithmetic: prompt
 * 1.00 and completion 2.00 USD per 1M tokens = 1 000 and 2 000 nano-USD per token.
 * Orgs with small balances for the money tests.
 */
export function createCreditsConfig(fakeBaseUrl: string, orgs: Readonly<Record<string, string>>): string {
  const orgLines = Object.entries(orgs)
    .map(([id, credits]) => `  - { id: ${id}, credits: "${credits}" }`)
    .join('\n');
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
providers:
  - id: fake-metered
    protocol: openai
    base_url: ${fakeBaseUrl}
    api_key: metered-secret
models:
  - id: test/metered
    name: Metered
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: fake-metered
        model: metered-upstream
        pricing: { prompt: "1.00", completion: "2.00" }
orgs:
${orgLines}
`;
}
