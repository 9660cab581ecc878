import { describe, expect, it } from 'vitest';
import { buildCatalog } from './build-catalog.js';
import { CatalogReferenceError } from './build-catalog.js';
import { modelEntrySchema } from './catalog-schema.js';
import { loadVendorFiles } from './load-vendor-files.js';
import { parsePriceNanosPerMillion } from './parse-price.js';
import { resolvePrices } from './resolve-price.js';

const vendorFiles = loadVendorFiles();
const providers = vendorFiles.flatMap((file) => file.providers);
const models = vendorFiles.flatMap((file) => file.models);

describe('built-in catalog data', () => {
  it('covers the vendors the product promises', () => {
    expect(vendorFiles.map((file) => file.vendor).sort()).toEqual(
      [
        'alibaba',
        'anthropic',
        'baidu',
        'bytedance',
        'deepseek',
        'google',
        'local',
        'meridian',
        'minimax',
        'moonshot',
        'openai',
        'stepfun',
        'xiaomi',
        'zhipu',
      ].sort(),
    );
    expect(
      providers
        .filter((provider) => provider.passthrough_models === true)
        .map((provider) => provider.id)
        .sort(),
    ).toEqual(['llama-cpp', 'ollama', 'sglang', 'vllm']);
  });

  it('has unique provider and model ids', () => {
    expect(new Set(providers.map((provider) => provider.id)).size).toBe(providers.length);
    expect(new Set(models.map((model) => model.id)).size).toBe(models.length);
  });

  it.each(models.map((model) => [model.id, model] as const))(
    '%s has an author, origin, endpoints and dated, sourced prices',
    (_id, model) => {
      expect(model.id.startsWith(`${model.author}/`)).toBe(true);
      expect(model.origin).toMatch(/^[A-Z]{2}$/);
      expect(model.endpoints.length).toBeGreaterThan(0);
      for (const endpoint of model.endpoints) {
        expect(providers.some((provider) => provider.id === endpoint.provider)).toBe(true);
        expect(endpoint.pricing.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(endpoint.pricing.source).toMatch(/^https:\/\//);
        expect(parsePriceNanosPerMillion(endpoint.pricing.prompt) > 0n).toBe(true);
        // Embedding models produce no completion tokens, so only they may price completions at zero.
        const isEmbedding = model.output_modalities?.includes('embeddings') === true;
        expect(parsePriceNanosPerMillion(endpoint.pricing.completion) > 0n).toBe(!isEmbedding);
      }
    },
  );

  it.each(providers.map((provider) => [provider.id, provider] as const))(
    '%s can be switched on (key variable, base-URL variable, or keyless)',
    (_id, provider) => {
      expect(
        provider.api_key_env !== undefined || provider.base_url_env !== undefined || provider.keyless === true,
      ).toBe(true);
    },
  );
});

describe('supported_parameters', () => {
  const entry = {
    id: 'a/b',
    name: 'B',
    author: 'a',
    origin: 'US',
    context_length: 1,
    endpoints: [{ provider: 'p', model: 'b', pricing: { prompt: '1', completion: '1' } }],
  };

  it("takes OpenRouter's parameter names", () => {
    const parsed = modelEntrySchema.parse({ ...entry, supported_parameters: ['structured_outputs', 'top_k'] });
    expect(parsed.supported_parameters).toEqual(['structured_outputs', 'top_k']);
  });

  it('refuses a name no request can use (a typo would silently exclude the model under require_parameters)', () => {
    const parsed = modelEntrySchema.safeParse({ ...entry, supported_parameters: ['max_tokens', 'top-p'] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([['supported_parameters', 1]]);
  });
});

describe('buildCatalog', () => {
  const base = { vendorFiles, configProviders: [], configModels: [], sandboxBaseUrl: undefined };

  it('enables nothing without keys; a key variable switches a provider and its models on', () => {
    expect(buildCatalog({ ...base, env: {} }).models.size).toBe(0);
    const catalog = buildCatalog({ ...base, env: { DEEPSEEK_API_KEY: 'sk-test' } });
    expect([...catalog.models.keys()].sort()).toEqual(['deepseek/deepseek-v3.2', 'deepseek/deepseek-v3.2-thinking']);
    const provider = catalog.providers.get('deepseek')!;
    expect({ apiKey: provider.apiKey, baseUrl: provider.baseUrl, protocol: provider.protocol }).toEqual({
      apiKey: 'sk-test',
      baseUrl: 'https://api.deepseek.com/v1',
      protocol: 'openai-chat',
    });
    expect(catalog.models.get('deepseek/deepseek-v3.2')!.endpoints[0]!.prices.promptNanosPerMillion).toBe(280_000_000n);
    expect(catalog.knownModelIds.has('openai/gpt-5')).toBe(true);
  });

  it('keeps providers of unsupported protocols off', () => {
    const catalog = buildCatalog({
      ...base,
      env: { ANTHROPIC_API_KEY: 'k', GEMINI_API_KEY: 'g' },
      supportedProtocols: new Set(['openai-chat']),
    });
    expect(catalog.providers.has('anthropic')).toBe(false);
    expect(catalog.providers.has('google')).toBe(false);
    expect(catalog.providers.has('google-openai')).toBe(true);
  });

  it('serves models over every protocol their vendor offers: Gemini natively, DeepSeek also over the Anthropic API', () => {
    const catalog = buildCatalog({
      ...base,
      env: { GEMINI_API_KEY: 'g', DEEPSEEK_API_KEY: 'd' },
      supportedProtocols: new Set(['openai-chat', 'anthropic-messages', 'gemini']),
    });
    const gemini = catalog.models.get('google/gemini-2.5-flash')!.endpoints;
    expect(gemini.map((endpoint) => [endpoint.provider.id, endpoint.provider.protocol])).toEqual([
      ['google', 'gemini'],
      ['google-openai', 'openai-chat'],
    ]);
    const deepseek = catalog.models.get('deepseek/deepseek-v3.2')!.endpoints;
    expect(
      deepseek.map((endpoint) => [endpoint.provider.id, endpoint.provider.protocol, endpoint.provider.authHeader]),
    ).toEqual([
      ['deepseek', 'openai-chat', 'authorization'],
      ['deepseek-anthropic', 'anthropic-messages', 'x-api-key'],
    ]);
    expect(deepseek[1]!.prices.promptNanosPerMillion).toBe(deepseek[0]!.prices.promptNanosPerMillion);
  });

  it('switches the sandbox on at its running address, and local servers by base-URL variable', () => {
    const catalog = buildCatalog({
      ...base,
      env: { OLLAMA_BASE_URL: 'http://127.0.0.1:9999/v1/' },
      sandboxBaseUrl: 'http://127.0.0.1:4321/v1',
    });
    expect(catalog.providers.get('sandbox')!.baseUrl).toBe('http://127.0.0.1:4321/v1');
    expect(catalog.models.get('meridian/sandbox-chat')!.isSandbox).toBe(true);
    expect(catalog.passthroughProviders.get('ollama')!.provider.baseUrl).toBe('http://127.0.0.1:9999/v1');
  });

  it('lets the config override a built-in provider and add models; unknown providers are named by path', () => {
    const catalog = buildCatalog({
      ...base,
      env: {},
      configProviders: [
        { id: 'deepseek', protocol: 'openai', base_url: 'http://127.0.0.1:7000/v1', api_key: 'from-config' },
      ],
      configModels: [],
    });
    expect(catalog.providers.get('deepseek')!.baseUrl).toBe('http://127.0.0.1:7000/v1');
    expect(() =>
      buildCatalog({
        ...base,
        env: {},
        configModels: [
          {
            id: 'a/b',
            name: 'B',
            author: 'a',
            origin: 'US',
            context_length: 1,
            endpoints: [{ provider: 'nowhere', model: 'b', pricing: { prompt: '1', completion: '1' } }],
          },
        ],
      }),
    ).toThrow(
      new CatalogReferenceError(
        ['models', 0, 'endpoints', 0, 'provider'],
        "model a/b names provider 'nowhere', which is not defined",
      ),
    );
  });
});

describe('parsePriceNanosPerMillion', () => {
  it.each([
    ['0.28', 280_000_000n],
    ['15', 15_000_000_000n],
    ['0.000000001', 1n],
    ['0.0375', 37_500_000n],
    ['0', 0n],
  ])('%s → %s', (text, nanos) => expect(parsePriceNanosPerMillion(text)).toBe(nanos));

  it.each(['', '1.', '.5', '-1', '1e3', '0.0000000001', 'abc'])('rejects %j', (text) => {
    expect(() => parsePriceNanosPerMillion(text)).toThrow('is not a price');
  });
});

describe('resolvePrices', () => {
  const catalog = buildCatalog({
    ...{ vendorFiles: [], configModels: [], sandboxBaseUrl: undefined, env: {} },
    configProviders: [{ id: 'p', protocol: 'openai', base_url: 'http://127.0.0.1:1/v1', keyless: true }],
    configModels: [
      {
        id: 'a/night',
        name: 'Night',
        author: 'a',
        origin: 'CN',
        context_length: 1,
        endpoints: [
          {
            provider: 'p',
            model: 'n',
            pricing: { prompt: '1', completion: '2' },
            schedule: [{ from: '16:30', to: '00:30', pricing: { prompt: '0.5', completion: '1' } }],
          },
        ],
      },
    ],
  });
  const endpoint = catalog.models.get('a/night')!.endpoints[0]!;
  it.each([
    ['2026-11-22T12:00:00Z', 1_000_000_000n],
    ['2026-11-22T16:30:00Z', 500_000_000n],
    ['2026-11-22T23:59:59Z', 500_000_000n],
    ['2026-11-23T00:29:59Z', 500_000_000n],
    ['2026-11-23T00:30:00Z', 1_000_000_000n],
  ])('at %s the prompt price is %s (window wraps midnight)', (time, prompt) => {
    expect(resolvePrices(endpoint, Date.parse(time)).promptNanosPerMillion).toBe(prompt);
  });
});
