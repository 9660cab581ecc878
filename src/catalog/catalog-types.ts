import type { ProtocolId } from '../spec/index.js';

/**
 * Prices in integer nano-units of the settlement currency (1e-9 USD) per 1M tokens.
 * "0.28" per 1M tokens is 280_000_000n. `undefined` means the endpoint does not
 * price that kind of token separately (it falls back to the prompt/completion price).
 */
export interface PriceTable {
  readonly promptNanosPerMillion: bigint;
  readonly completionNanosPerMillion: bigint;
  readonly cacheReadNanosPerMillion: bigint | undefined;
  readonly cacheWriteNanosPerMillion: bigint | undefined;
  /** Cache writes with a 1-hour lifetime (Anthropic); absent: priced as other cache writes. */
  readonly cacheWrite1hNanosPerMillion?: bigint | undefined;
  readonly reasoningNanosPerMillion: bigint | undefined;
  /** The decimal strings as published, for /v1/models and audit. */
  readonly published: {
    readonly prompt: string;
    readonly completion: string;
    readonly cacheRead?: string;
    readonly cacheWrite?: string;
    readonly cacheWrite1h?: string;
    readonly reasoning?: string;
  };
}

/** A time-of-day price window in UTC minutes since midnight, `[fromMinute, toMinute)`; wraps past midnight when from > to. */
export interface PriceWindow {
  readonly fromMinute: number;
  readonly toMinute: number;
  readonly prices: PriceTable;
}

/** How an OpenAI-compatible upstream differs from OpenAI itself. */
export interface OpenAIDialect {
  readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';
  readonly reasoningField: 'reasoning_content' | 'reasoning';
  readonly sendsStreamOptions: boolean;
  /** How reasoning is switched on upstream (see catalog-schema `thinking_control`). */
  readonly thinkingControl: 'reasoning_effort' | 'enable_thinking' | 'thinking_type';
  /** The upstream accepts `top_k` (catalog `top_k`); otherwise a client's top-k is dropped with a warning. */
  readonly sendsTopK: boolean;
  /** The upstream takes prompt-cache markers (`cache_control`) on content parts (catalog `cache_control`). */
  readonly sendsCacheControl: boolean;
}

export interface Provider {
  readonly id: string;
  readonly name: string;
  readonly protocol: ProtocolId;
  /** Base URL including the version path, without a trailing slash (e.g. `https://api.deepseek.com/v1`). */
  readonly baseUrl: string;
  /** The upstream secret; `undefined` for keyless providers. Never logged. */
  readonly apiKey: string | undefined;
  readonly authHeader: 'authorization' | 'x-api-key' | 'api-key' | 'x-goog-api-key';
  readonly headers: Readonly<Record<string, string>>;
  readonly openai: OpenAIDialect;
  readonly country: string | undefined;
  readonly dataCollection: 'allow' | 'deny' | undefined;
  /** The built-in deterministic sandbox; labelled as such everywhere it shows. */
  readonly isSandbox: boolean;
  /** Timeouts for this provider; unset ones use the gateway's limits. */
  readonly timeouts: ProviderTimeouts;
  /**
   * Created through the management API, not written by the operator: its base URL is reached only through the
   * SSRF-guarded connector (src/net/). Absent for the config file's and the built-in catalog's providers,
   * which are trusted as written.
   */
  readonly isApiManaged?: boolean;
}

export interface ProviderTimeouts {
  readonly connectMs?: number;
  /** Until the response headers of a streaming request (a JSON request waits for its whole answer: total deadline). */
  readonly firstByteMs?: number;
  /** Longest silence between two body chunks. */
  readonly idleMs?: number;
}

export interface Endpoint {
  readonly provider: Provider;
  /** The upstream's own model name. */
  readonly upstreamModel: string;
  readonly prices: PriceTable;
  readonly schedule: readonly PriceWindow[];
  readonly contextLength: number;
  readonly maxOutputTokens: number | undefined;
  readonly quantization: string | undefined;
  readonly dataCollection: 'allow' | 'deny' | undefined;
  readonly priceAsOf: string | undefined;
  readonly priceSource: string | undefined;
}

export interface Model {
  /** Public slug `author/model`. */
  readonly id: string;
  readonly name: string;
  readonly author: string;
  /** ISO country of the model's author (the barometer's "origin"). */
  readonly origin: string;
  readonly contextLength: number;
  readonly description: string | undefined;
  readonly createdSeconds: number;
  readonly inputModalities: readonly string[];
  /**
   * Whether `inputModalities` was declared (catalog or config): only then does routing leave the model out of a
   * request with input it does not take (an image to a text-only model). A passthrough or discovered model's input
   * is unknown and never refused.
   */
  readonly checksInputModalities?: boolean;
  /** `['text']` for chat models, `['embeddings']` for embedding models. */
  readonly outputModalities: readonly string[];
  readonly supportedParameters: readonly string[];
  /** Only endpoints whose provider is enabled (key set, keyless, or sandbox). */
  readonly endpoints: readonly Endpoint[];
  readonly isSandbox: boolean;
}

/** The resolved catalog: built-in data merged with the config file, enabled providers only. */
export interface Catalog {
  /** Models with at least one enabled endpoint. */
  readonly models: ReadonlyMap<string, Model>;
  /** Enabled providers. */
  readonly providers: ReadonlyMap<string, Provider>;
  /** Every model id in the data, enabled or not (to tell "unknown" from "no provider configured"). */
  readonly knownModelIds: ReadonlySet<string>;
  /** Model names that stand for a catalog slug (from the config's `aliases`). */
  readonly aliases: ReadonlyMap<string, string>;
  /** Enabled providers that accept any `<provider id>/<model>` (local servers), with their price. */
  readonly passthroughProviders: ReadonlyMap<string, { readonly provider: Provider; readonly prices: PriceTable }>;
}
