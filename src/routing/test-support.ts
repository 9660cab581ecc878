import { buildPriceTable } from '../catalog/index.js';
import type { Catalog, Endpoint, Model, PriceTable, Provider } from '../catalog/index.js';
import type { EndpointHealthSnapshot, HealthView } from '../health/index.js';
import type { PlanRouteInput } from './plan-route.js';
import { parseRoutingControls } from './parse-routing-controls.js';
import type { RoutePlan } from './routing-types.js';

/** mulberry32: a tiny seeded PRNG returning [0, 1), so weighted-random tests are reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface FakeHealthOptions {
  /** Endpoint keys reported unavailable (open circuit or Retry-After). */
  readonly unavailable?: readonly string[];
  readonly latencyMs?: Readonly<Record<string, number>>;
  readonly throughput?: Readonly<Record<string, number>>;
}

const emptySnapshot: EndpointHealthSnapshot = {
  circuit: 'closed',
  uptime: { last5m: undefined, last30m: undefined, last1d: undefined },
  recentRequests: 0,
  recentFailures: 0,
  ttftMs: undefined,
  tokensPerSecond: undefined,
  unavailableUntilMs: undefined,
};

/** A fixed HealthView: every endpoint available and unmeasured unless listed. */
export function createFakeHealth(options: FakeHealthOptions = {}): HealthView {
  const unavailable = new Set(options.unavailable ?? []);
  return {
    isAvailable: (key) => !unavailable.has(key),
    measuredLatencyMs: (key) => options.latencyMs?.[key],
    measuredThroughput: (key) => options.throughput?.[key],
    snapshot: () => emptySnapshot,
  };
}

export interface TestEndpointSpec {
  readonly provider: string;
  /** Upstream model name; `<provider>-model` when omitted. */
  readonly upstreamModel?: string;
  /** USD per 1M tokens, as the catalog publishes them. */
  readonly prompt: string;
  readonly completion?: string;
  readonly cacheRead?: string;
  /** Time-of-day windows in UTC minutes, `[from, to)`. */
  readonly schedule?: readonly {
    readonly from: number;
    readonly to: number;
    readonly prompt: string;
    readonly completion?: string;
  }[];
  readonly contextLength?: number;
  readonly quantization?: string;
  readonly dataCollection?: 'allow' | 'deny';
  readonly providerDataCollection?: 'allow' | 'deny';
  readonly country?: string;
}

export function createTestProvider(id: string, overrides: Partial<Provider> = {}): Provider {
  return {
    id,
    name: id,
    protocol: 'openai-chat',
    baseUrl: `http://127.0.0.1:1/${id}`,
    apiKey: undefined,
    authHeader: 'authorization',
    headers: {},
    openai: {
      maxTokensField: 'max_tokens',
      reasoningField: 'reasoning_content',
      sendsStreamOptions: true,
      thinkingControl: 'reasoning_effort',
      sendsTopK: false,
      sendsCacheControl: false,
    },
    country: undefined,
    dataCollection: undefined,
    isSandbox: false,
    timeouts: {},
    ...overrides,
  };
}

function prices(prompt: string, completion = '0', cacheRead?: string): PriceTable {
  return buildPriceTable({ prompt, completion, ...(cacheRead === undefined ? {} : { cache_read: cacheRead }) });
}

export function createTestEndpoint(spec: TestEndpointSpec): Endpoint {
  return {
    provider: createTestProvider(spec.provider, {
      country: spec.country,
      dataCollection: spec.providerDataCollection,
    }),
    upstreamModel: spec.upstreamModel ?? `${spec.provider}-model`,
    prices: prices(spec.prompt, spec.completion, spec.cacheRead),
    schedule: (spec.schedule ?? []).map((window) => ({
      fromMinute: window.from,
      toMinute: window.to,
      prices: prices(window.prompt, window.completion),
    })),
    contextLength: spec.contextLength ?? 0,
    maxOutputTokens: undefined,
    quantization: spec.quantization,
    dataCollection: spec.dataCollection,
    priceAsOf: undefined,
    priceSource: undefined,
  };
}

export function createTestModel(
  id: string,
  endpoints: readonly TestEndpointSpec[],
  overrides: Partial<Model> = {},
): Model {
  return {
    id,
    name: id,
    author: id.split('/')[0] ?? id,
    origin: 'US',
    contextLength: 0,
    description: undefined,
    createdSeconds: 0,
    inputModalities: ['text'],
    outputModalities: ['text'],
    supportedParameters: [],
    endpoints: endpoints.map(createTestEndpoint),
    isSandbox: false,
    ...overrides,
  };
}

/** A catalog of these models; `unconfiguredModelIds` are known but have no enabled provider. */
export function createTestCatalog(models: readonly Model[], unconfiguredModelIds: readonly string[] = []): Catalog {
  const providers = new Map(
    models.flatMap((model) => model.endpoints.map((e) => [e.provider.id, e.provider] as const)),
  );
  return {
    models: new Map(models.map((model) => [model.id, model])),
    providers,
    knownModelIds: new Set([...models.map((model) => model.id), ...unconfiguredModelIds]),
    aliases: new Map(),
    passthroughProviders: new Map(),
  };
}

/** A plan input with every endpoint healthy, no controls and `random` always 0 (declaration order). */
export function createPlanInput(
  catalog: Catalog,
  model: string,
  overrides: Partial<Omit<PlanRouteInput, 'controls'>> & { readonly raw?: Readonly<Record<string, unknown>> } = {},
): PlanRouteInput {
  const { raw = {}, ...rest } = overrides;
  return {
    catalog,
    model,
    controls: parseRoutingControls(raw),
    usedParameters: new Set(),
    promptTokensEstimate: 100,
    maxOutputTokens: undefined,
    nowMs: 0,
    health: createFakeHealth(),
    random: () => 0,
    ...rest,
  };
}

/** A plan as `model@provider` strings, the shape most assertions compare. */
export function describePlan(plan: RoutePlan): string[] {
  return plan.attempts.map((attempt) => `${attempt.model.id}@${attempt.endpoint.provider.id}`);
}

/** DeepSeek's off-peak window, 16:30–00:30 UTC (wraps past midnight), at half price. */
export const offPeakWindow = { from: 16 * 60 + 30, to: 30, prompt: '0.14', completion: '0.21' } as const;

/** 12:00 UTC: outside the off-peak window. */
export const peakMs = Date.UTC(2025, 0, 15, 12, 0);

/**
 * The routing tests' catalog. deepseek/deepseek-chat (origin CN) has three endpoints:
 * deepseek (0.28 + 0.42, cache read 0.028, off-peak 0.14 + 0.21, fp8, collects data, CN, 128k),
 * together (1.25 + 1.25, FP16, no data collection, US, 64k) and fireworks (0.90 + 0.90,
 * quantization, data policy and context unknown, US).
 */
export function createRoutingTestCatalog(): Catalog {
  const deepseekChat = createTestModel(
    'deepseek/deepseek-chat',
    [
      {
        provider: 'deepseek',
        prompt: '0.28',
        completion: '0.42',
        cacheRead: '0.028',
        schedule: [offPeakWindow],
        contextLength: 128_000,
        quantization: 'fp8',
        dataCollection: 'allow',
        country: 'CN',
      },
      {
        provider: 'together',
        prompt: '1.25',
        completion: '1.25',
        contextLength: 64_000,
        quantization: 'FP16',
        dataCollection: 'deny',
        country: 'US',
      },
      { provider: 'fireworks', prompt: '0.9', completion: '0.9', country: 'US' },
    ],
    { origin: 'CN', supportedParameters: ['tools', 'temperature', 'max_tokens'] },
  );
  const kimi = createTestModel(
    'moonshot/kimi-k2',
    [
      { provider: 'moonshot', prompt: '0.6', completion: '2.5', country: 'CN', providerDataCollection: 'deny' },
      { provider: 'groq', prompt: '1', completion: '3', country: 'US' },
    ],
    { origin: 'CN' },
  );
  const llama = createTestModel('meta/llama', [
    { provider: 'together', prompt: '0.88', completion: '0.88', country: 'US', dataCollection: 'deny' },
    { provider: 'groq', prompt: '0.59', completion: '0.79', country: 'US' },
  ]);
  const ties = createTestModel('tie/model', [
    { provider: 'x', prompt: '2' },
    { provider: 'y', prompt: '1', completion: '1' },
    { provider: 'z', prompt: '1' },
  ]);
  return createTestCatalog([deepseekChat, kimi, llama, ties], ['openai/gpt-unconfigured']);
}
