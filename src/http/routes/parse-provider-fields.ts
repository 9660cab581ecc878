import { z } from 'zod';
import { priceStringSchema } from '../../catalog/index.js';
import { formatConfigPath, limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import type { ProviderModelRecord, ProviderRecord } from '../../storage/index.js';

const kebabId = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, -)');

/** Printable ASCII without spaces: what real keys are, and nothing that could break the header it travels in. */
const apiKeySchema = z
  .string()
  .min(1)
  .max(limits.providerApiKeyCharsMax)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .nullable();

const modelSchema = z.strictObject({
  id: z
    .string()
    .max(200)
    .regex(/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._:-]*$/, 'must be a slug "author/model" in lower case'),
  name: z.string().min(1).max(200).optional(),
  author: kebabId,
  origin: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as "CN"'),
  context_length: z.number().int().positive().max(100_000_000),
  upstream_model: z.string().min(1).max(256),
  pricing: z.strictObject({
    prompt: priceStringSchema,
    completion: priceStringSchema,
    cache_read: priceStringSchema.optional(),
    cache_write: priceStringSchema.optional(),
    cache_write_1h: priceStringSchema.optional(),
    reasoning: priceStringSchema.optional(),
  }),
  max_output: z.number().int().positive().max(limits.maxOutputTokensMax).optional(),
});

const modelsSchema = z.array(modelSchema).max(limits.providerModelsCountMax);
const baseUrlSchema = z.string().min(1).max(limits.providerBaseUrlCharsMax);

const createSchema = z.strictObject({
  id: kebabId,
  protocol: z.enum(['openai', 'anthropic', 'gemini']),
  base_url: baseUrlSchema,
  api_key: apiKeySchema.optional(),
  models: modelsSchema.default([]),
});

const patchSchema = z.strictObject({
  base_url: baseUrlSchema.optional(),
  api_key: apiKeySchema.optional(),
  models: modelsSchema.optional(),
});

/** A create request, validated; `apiKey` is the plain key (sealed before it is stored), null for none. */
export interface ProviderCreateFields {
  readonly id: string;
  readonly protocol: ProviderRecord['protocol'];
  readonly baseUrl: string;
  readonly apiKey: string | null;
  readonly models: readonly ProviderModelRecord[];
}

/** A patch request, validated; absent fields are absent. */
export interface ProviderPatchFields {
  readonly baseUrl?: string;
  readonly apiKey?: string | null;
  readonly models?: readonly ProviderModelRecord[];
}

/** `POST /api/v1/providers` body → fields; 400 invalid_request naming the first bad field (never echoing a key). */
export function parseProviderCreate(body: unknown): ProviderCreateFields {
  const parsed = parseWith(createSchema, body);
  return {
    id: parsed.id,
    protocol: parsed.protocol,
    baseUrl: parsed.base_url,
    apiKey: parsed.api_key ?? null,
    models: convertModels(parsed.models),
  };
}

/** `PATCH /api/v1/providers/{id}` body → fields; at least one of `base_url`, `api_key`, `models`. */
export function parseProviderPatch(body: unknown): ProviderPatchFields {
  const parsed = parseWith(patchSchema, body);
  if (parsed.base_url === undefined && parsed.api_key === undefined && parsed.models === undefined) {
    throw new GatewayError({
      code: 'invalid_request',
      message: 'Send at least one of base_url, api_key (null removes it) and models.',
    });
  }
  return {
    ...(parsed.base_url === undefined ? {} : { baseUrl: parsed.base_url }),
    ...(parsed.api_key === undefined ? {} : { apiKey: parsed.api_key }),
    ...(parsed.models === undefined ? {} : { models: convertModels(parsed.models) }),
  };
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const isUnknownKey = issue?.code === 'unrecognized_keys';
  const path = (isUnknownKey ? [...issue.path, ...issue.keys.slice(0, 1)] : (issue?.path ?? [])).filter(
    (part): part is string | number => typeof part !== 'symbol',
  );
  const param = path.length === 0 ? undefined : formatConfigPath(path);
  const problem = isUnknownKey ? 'is not a field of this request' : (issue?.message ?? 'is invalid');
  throw new GatewayError({
    code: 'invalid_request',
    message: param === undefined ? `The body must be a JSON object: ${problem}.` : `${param}: ${problem}.`,
    ...(param === undefined ? {} : { param }),
  });
}

function convertModels(models: readonly z.infer<typeof modelSchema>[]): ProviderModelRecord[] {
  const seen = new Set<string>();
  return models.map((model, index) => {
    if (seen.has(model.id)) {
      throw new GatewayError({
        code: 'invalid_request',
        message: `models[${index}].id: '${model.id}' is declared twice for this provider.`,
        param: `models[${index}].id`,
      });
    }
    seen.add(model.id);
    const { pricing } = model;
    return {
      id: model.id,
      name: model.name ?? model.id,
      author: model.author,
      origin: model.origin,
      contextLength: model.context_length,
      upstreamModel: model.upstream_model,
      pricing: {
        prompt: pricing.prompt,
        completion: pricing.completion,
        ...(pricing.cache_read === undefined ? {} : { cacheRead: pricing.cache_read }),
        ...(pricing.cache_write === undefined ? {} : { cacheWrite: pricing.cache_write }),
        ...(pricing.cache_write_1h === undefined ? {} : { cacheWrite1h: pricing.cache_write_1h }),
        ...(pricing.reasoning === undefined ? {} : { reasoning: pricing.reasoning }),
      },
      maxOutputTokens: model.max_output ?? null,
    };
  });
}
