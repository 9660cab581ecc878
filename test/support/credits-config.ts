import { postChat, testAdminKey } from './gateway-config.js';

/** The models of {@link createCreditsConfig}'s `hasProtocolModels`, by the protocol their provider speaks. */
export const meteredModelByProtocol = {
  openai: 'test/metered',
  anthropic: 'test/metered-anthropic',
  gemini: 'test/metered-gemini',
} as const;

/** The provider serving each of {@link meteredModelByProtocol}'s models. */
export const meteredProviderByProtocol = {
  openai: 'fake-metered',
  anthropic: 'fake-metered-anthropic',
  gemini: 'fake-metered-gemini',
} as const;

/**
 * One fake OpenAI-protocol provider and a model priced for easy arithmetic: prompt
 * 1.00 and completion 2.00 USD per 1M tokens = 1 000 and 2 000 nano-USD per token.
 * Orgs with small balances for the money tests. Options: more `storage` fields, a
 * second provider serving the same model at the same price (a fallback endpoint), and
 * (`hasProtocolModels`) an Anthropic- and a Gemini-protocol provider on the same fake, each
 * serving its own model at the same prices ({@link meteredModelByProtocol}).
 */
export function createCreditsConfig(
  fakeBaseUrl: string,
  orgs: Readonly<Record<string, string>>,
  options: {
    readonly storageFields?: string;
    readonly hasSecondEndpoint?: boolean;
    readonly hasProtocolModels?: boolean;
  } = {},
): string {
  const orgLines = Object.entries(orgs)
    .map(([id, credits]) => `  - { id: ${id}, credits: "${credits}" }`)
    .join('\n');
  const providerIds = options.hasSecondEndpoint === true ? ['fake-metered', 'fake-metered-second'] : ['fake-metered'];
  const providers = providerIds
    .map((id) => `  - { id: ${id}, protocol: openai, base_url: ${fakeBaseUrl}, api_key: metered-secret }`)
    .join('\n');
  const endpoints = providerIds
    .map(
      (id) => `      - { provider: ${id}, model: metered-upstream, pricing: { prompt: "1.00", completion: "2.00" } }`,
    )
    .join('\n');
  const storageFields = options.storageFields === undefined ? '' : `, ${options.storageFields}`;
  const protocolModels = options.hasProtocolModels === true ? createProtocolModels(fakeBaseUrl) : undefined;
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db"${storageFields} }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
providers:
${providers}${protocolModels?.providers ?? ''}
models:
  - id: test/metered
    name: Metered
    author: test
    origin: US
    context_length: 131072
    endpoints:
${endpoints}${protocolModels?.models ?? ''}
orgs:
${orgLines}
`;
}

/** A chat call to the priced model `test/metered` (max_tokens 50), with any other request fields. */
export function callMeteredModel(
  gatewayUrl: string,
  key: string,
  fields: Readonly<Record<string, unknown>> = {},
  signal?: AbortSignal,
): Promise<Response> {
  const messages = [{ role: 'user', content: 'hi' }];
  return postChat(gatewayUrl, key, { model: 'test/metered', messages, max_tokens: 50, ...fields }, signal);
}

/** The Anthropic- and Gemini-protocol providers and models of `hasProtocolModels`, as config lines. */
function createProtocolModels(fakeBaseUrl: string): { readonly providers: string; readonly models: string } {
  const protocols = ['anthropic', 'gemini'] as const;
  const providers = protocols.map(
    (protocol) =>
      `\n  - { id: ${meteredProviderByProtocol[protocol]}, protocol: ${protocol}, base_url: ${fakeBaseUrl}, api_key: metered-secret }`,
  );
  const models = protocols.map(
    (protocol) => `
  - id: ${meteredModelByProtocol[protocol]}
    name: Metered (${protocol})
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - { provider: ${meteredProviderByProtocol[protocol]}, model: metered-upstream, pricing: { prompt: "1.00", completion: "2.00" } }`,
  );
  return { providers: providers.join(''), models: models.join('') };
}
