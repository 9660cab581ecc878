import { z } from 'zod';

/**
 * One schema for provider and model entries, shared by the built-in catalog files
 * (`vendors/*.json`) and the `providers:` / `models:` sections of `meridian.yaml`.
 * Field names are snake_case, as in the config file (PRODUCT.md §2).
 */

/** A price per 1M tokens as a decimal string, e.g. "0.28"; at most 9 decimals (nano-units). */
export const priceStringSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,6})(\.\d{1,9})?$/, 'must be a decimal string such as "0.28" (at most 9 decimals)');

const kebabId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, -)');
const countryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as "CN"');

/** Prices for calls to a passthrough provider's undeclared models. */
export const passthroughPricingSchema = z.strictObject({ prompt: priceStringSchema, completion: priceStringSchema });

export const protocolSchema = z.enum(['openai', 'openai-chat', 'anthropic', 'anthropic-messages', 'gemini']);

/** Differences between OpenAI-compatible upstreams, as data (STYLE.md principle 1). */
export const openaiDialectSchema = z.strictObject({
  /** Which field carries the output-token cap upstream. */
  max_tokens_field: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  /** The field the upstream uses for reasoning text, in responses and in assistant turns sent back. */
  reasoning_field: z.enum(['reasoning_content', 'reasoning']).default('reasoning_content'),
  /** Whether the upstream accepts `stream_options.include_usage` (nearly all do). */
  stream_options: z.boolean().default(true),
  /**
   * How the upstream switches reasoning on: OpenAI's `reasoning_effort`; Qwen's
   * `enable_thinking` + `thinking_budget`; GLM's `thinking: {type: enabled|disabled}`.
   */
  thinking_control: z.enum(['reasoning_effort', 'enable_thinking', 'thinking_type']).default('reasoning_effort'),
  /**
   * Whether the upstream accepts `top_k`, an extension of OpenAI's API (vLLM, SGLang, llama.cpp, DashScope). Off by
   * default: a vendor that does not know it may reject the call.
   */
  top_k: z.boolean().default(false),
  /**
   * Whether the upstream takes Anthropic-style prompt-cache markers, `cache_control: {type: 'ephemeral'}`, on content
   * parts (DashScope's explicit cache). Off by default: other vendors are not sent them.
   */
  cache_control: z.boolean().default(false),
});

export const providerEntrySchema = z.strictObject({
  id: kebabId,
  name: z.string().min(1).optional(),
  protocol: protocolSchema.default('openai'),
  base_url: z.url({ protocol: /^https?$/ }),
  /** Secret for the upstream; in config usually "${DEEPSEEK_API_KEY}". */
  api_key: z.string().optional(),
  /** Environment variable that switches this built-in provider on when set. */
  api_key_env: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
  /** How the key is sent. */
  auth: z
    .strictObject({
      header: z.enum(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']).default('authorization'),
    })
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  openai: openaiDialectSchema.optional(),
  /** Country where the host serves from, for `provider.region` routing. */
  country: countryCode.optional(),
  data_collection: z.enum(['allow', 'deny']).optional(),
  /** A provider that needs no key (local servers, the sandbox). */
  keyless: z.boolean().optional(),
  /** Environment variable holding the base URL; when set, the provider is switched on at that URL (local servers). */
  base_url_env: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
  /**
   * Accept any model as `<provider id>/<upstream model>` without declaring it (local servers
   * serving whatever is loaded). Such calls are priced at `passthrough_pricing`, or free.
   */
  passthrough_models: z.boolean().optional(),
  passthrough_pricing: passthroughPricingSchema.optional(),
  docs_url: z.url().optional(),
  /** Per-provider timeouts, overriding the gateway's (`limits.upstream*TimeoutMs`). */
  timeouts: z
    .strictObject({
      connect_ms: z.number().int().positive().optional(),
      first_byte_ms: z.number().int().positive().optional(),
      idle_ms: z.number().int().positive().optional(),
    })
    .optional(),
});

export const pricingSchema = z.strictObject({
  prompt: priceStringSchema,
  completion: priceStringSchema,
  cache_read: priceStringSchema.optional(),
  cache_write: priceStringSchema.optional(),
  /** Cache writes with a 1-hour lifetime (Anthropic `ttl: "1h"`), when priced apart from `cache_write`. */
  cache_write_1h: priceStringSchema.optional(),
  /** Reasoning tokens, when billed apart from completion tokens. */
  reasoning: priceStringSchema.optional(),
  /** Date the price was read (YYYY-MM-DD) and its public source; required in the built-in catalog. */
  as_of: z.iso.date().optional(),
  source: z.url().optional(),
  /** Caveats about the price (currency conversion, promotional status, fictional). */
  note: z.string().optional(),
});

export const endpointEntrySchema = z.strictObject({
  provider: kebabId,
  /** The upstream's own model name. */
  model: z.string().min(1),
  pricing: pricingSchema,
  context_length: z.number().int().positive().optional(),
  max_output: z.number().int().positive().optional(),
  quantization: z.string().optional(),
  data_collection: z.enum(['allow', 'deny']).optional(),
  /** Time-of-day price windows (UTC), e.g. off-peak discounts; used by routing and metering. */
  schedule: z
    .array(
      z.strictObject({
        from: z.string().regex(/^\d{2}:\d{2}$/),
        to: z.string().regex(/^\d{2}:\d{2}$/),
        pricing: pricingSchema,
      }),
    )
    .optional(),
});

/**
 * The request parameters a model may declare in `supported_parameters`: OpenRouter's names, which
 * `provider.require_parameters` checks a request against (`src/http/list-used-parameters.ts`). A name outside this
 * list would never match a request, so a typo is refused rather than silently excluding the model.
 */
export const requestParameterNames = [
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'top_a',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'repetition_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'structured_outputs',
  'reasoning',
  'include_reasoning',
  'dimensions',
] as const;

export const modelEntrySchema = z.strictObject({
  /** Public slug `author/model`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._:-]*$/, 'must be a slug "author/model" in lower case'),
  name: z.string().min(1),
  author: kebabId,
  origin: countryCode,
  context_length: z.number().int().positive(),
  description: z.string().optional(),
  /** Unix seconds when the model was released, for `created` in /v1/models. */
  created: z.number().int().nonnegative().optional(),
  input_modalities: z.array(z.enum(['text', 'image', 'audio', 'file', 'video'])).optional(),
  /** `['embeddings']` for embedding models (served on /v1/embeddings only); default `['text']`. */
  output_modalities: z.array(z.enum(['text', 'embeddings'])).optional(),
  supported_parameters: z.array(z.enum(requestParameterNames)).optional(),
  endpoints: z.array(endpointEntrySchema).min(1),
});

/** One built-in catalog file: one vendor's providers and models. */
export const vendorFileSchema = z.strictObject({
  vendor: kebabId,
  name: z.string().min(1),
  country: countryCode,
  providers: z.array(providerEntrySchema),
  models: z.array(modelEntrySchema),
});

export type ProviderEntry = z.infer<typeof providerEntrySchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type EndpointEntry = z.infer<typeof endpointEntrySchema>;
export type PricingEntry = z.infer<typeof pricingSchema>;
export type VendorFile = z.infer<typeof vendorFileSchema>;
