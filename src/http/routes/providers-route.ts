import type { ServerResponse } from 'node:http';
import { providerSecretPurpose } from '../../catalog/index.js';
import type { ApiProviderProblem, ServingLiveCatalog } from '../../catalog/index.js';
import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import { checkOutboundUrl, OutboundRefusedError } from '../../net/index.js';
import type { OutboundAllowList, OutboundLookup, OutboundRefusalReason } from '../../net/index.js';
import { sealSecret } from '../../secrets/index.js';
import type { ProviderRecord, ProviderStore, SealedApiKey, ServingPort } from '../../storage/index.js';
import type { AppContext } from '../app-context.js';
import { sendJson } from '../send-json.js';
import { parseProviderCreate, parseProviderPatch } from './parse-provider-fields.js';

/** What the provider routes need beyond storage: the live catalog (and its keyring) and the outbound policy. */
export interface ProviderAdminContext {
  readonly liveCatalog: ServingLiveCatalog;
  /** Config `security.outbound_allow`, parsed. */
  readonly allowList: OutboundAllowList;
  /** DNS for the write-time check (tests stand in for it); the system resolver when absent. */
  readonly lookup?: OutboundLookup;
}

export interface ProviderExchange {
  readonly admin: ProviderAdminContext;
  readonly store: ServingPort<ProviderStore>;
  readonly now: () => number;
  readonly requestId: string;
}

/** What the provider routes take from the app, for one request. */
export function createProviderExchange(
  app: Pick<AppContext, 'providerAdmin' | 'storage' | 'now'>,
  requestId: string,
): ProviderExchange {
  return { admin: app.providerAdmin, store: app.storage.providers, now: app.now, requestId };
}

/** GET /api/v1/providers (admin): the providers created through the API; keys never, only whether one is set. */
export async function listProvidersRoute(response: ServerResponse, exchange: ProviderExchange): Promise<void> {
  const data = (await exchange.store.listProviders()).map((record) => renderProvider(record, exchange.admin));
  sendJson(response, 200, { data }, exchange.requestId);
}

/** GET /api/v1/providers/{id} (admin). */
export async function getProviderRoute(
  response: ServerResponse,
  exchange: ProviderExchange & { readonly id: string },
): Promise<void> {
  const record = (await exchange.store.findProvider(exchange.id)) ?? throwNotFound(exchange);
  sendJson(response, 200, { data: renderProvider(record, exchange.admin) }, exchange.requestId);
}

/**
 * POST /api/v1/providers (admin): checks `base_url` with the SSRF guard, seals `api_key` under the current master
 * key, stores the provider and rebuilds the catalog, so its models are served at once. Nothing is stored when a
 * check fails, and a key is never stored unsealed: without `MERIDIAN_MASTER_KEYS` the answer is 503.
 */
export async function createProviderRoute(
  response: ServerResponse,
  exchange: ProviderExchange & { readonly body: unknown },
): Promise<void> {
  const fields = parseProviderCreate(exchange.body);
  const { admin, store } = exchange;
  if (admin.liveCatalog.isReservedId(fields.id) || (await store.findProvider(fields.id)) !== undefined) {
    throw providerExists(fields.id);
  }
  if ((await store.listProviders()).length >= limits.apiProvidersCountMax) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `At most ${limits.apiProvidersCountMax} providers may be created through the API.`,
    });
  }
  const apiKey = fields.apiKey === null ? null : sealApiKey(fields.apiKey, fields.id, admin);
  const baseUrl = await checkBaseUrl(fields.baseUrl, admin);
  const nowMs = exchange.now();
  const record: ProviderRecord = {
    id: fields.id,
    protocol: fields.protocol,
    baseUrl,
    apiKey,
    models: fields.models,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  if (!(await store.insertProvider(record))) throw providerExists(fields.id);
  await admin.liveCatalog.refresh();
  sendJson(response, 201, { data: renderProvider(record, admin) }, exchange.requestId);
}

/** PATCH /api/v1/providers/{id} (admin): replaces `base_url` (checked again), `api_key` (sealed) or `models`. */
export async function updateProviderRoute(
  response: ServerResponse,
  exchange: ProviderExchange & { readonly id: string; readonly body: unknown },
): Promise<void> {
  const fields = parseProviderPatch(exchange.body);
  const { admin, store } = exchange;
  if ((await store.findProvider(exchange.id)) === undefined) throwNotFound(exchange);
  const apiKey =
    fields.apiKey === undefined || fields.apiKey === null
      ? fields.apiKey
      : sealApiKey(fields.apiKey, exchange.id, admin);
  const baseUrl = fields.baseUrl === undefined ? undefined : await checkBaseUrl(fields.baseUrl, admin);
  const updated = await store.updateProvider(
    exchange.id,
    {
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(fields.models === undefined ? {} : { models: fields.models }),
    },
    exchange.now(),
  );
  // Deleted while the URL was being checked.
  if (updated === undefined) throwNotFound(exchange);
  await admin.liveCatalog.refresh();
  sendJson(response, 200, { data: renderProvider(updated, admin) }, exchange.requestId);
}

/** DELETE /api/v1/providers/{id} (admin): removes the provider and its sealed key; its models leave the catalog. */
export async function deleteProviderRoute(
  response: ServerResponse,
  exchange: ProviderExchange & { readonly id: string },
): Promise<void> {
  if (!(await exchange.store.deleteProvider(exchange.id))) throwNotFound(exchange);
  await exchange.admin.liveCatalog.refresh();
  sendJson(response, 200, { deleted: true, id: exchange.id }, exchange.requestId);
}

/**
 * The public view of a provider: `api_key` says only whether a key is set, under which master key id, and its
 * last four characters (for keys of 20 characters or more); `status` says whether it is serving.
 */
export function renderProvider(record: ProviderRecord, admin: ProviderAdminContext): Record<string, unknown> {
  const problem: ApiProviderProblem | undefined = admin.liveCatalog.problemOf(record.id);
  return {
    id: record.id,
    protocol: record.protocol,
    base_url: record.baseUrl,
    api_key:
      record.apiKey === null
        ? { set: false }
        : { set: true, key_id: record.apiKey.keyId, last_four: record.apiKey.lastFour },
    models: record.models.map((model) => ({
      id: model.id,
      name: model.name,
      author: model.author,
      origin: model.origin,
      context_length: model.contextLength,
      upstream_model: model.upstreamModel,
      pricing: {
        prompt: model.pricing.prompt,
        completion: model.pricing.completion,
        ...(model.pricing.cacheRead === undefined ? {} : { cache_read: model.pricing.cacheRead }),
        ...(model.pricing.cacheWrite === undefined ? {} : { cache_write: model.pricing.cacheWrite }),
        ...(model.pricing.cacheWrite1h === undefined ? {} : { cache_write_1h: model.pricing.cacheWrite1h }),
        ...(model.pricing.reasoning === undefined ? {} : { reasoning: model.pricing.reasoning }),
      },
      max_output: model.maxOutputTokens,
    })),
    status: problem === undefined ? 'active' : 'unavailable',
    problem: problem ?? null,
    created_at: new Date(record.createdAtMs).toISOString(),
    updated_at: new Date(record.updatedAtMs).toISOString(),
  };
}

/** Keys this short are not shown in part: four characters would be too much of them. */
const lastFourKeyCharsMin = 20;

function sealApiKey(apiKey: string, providerId: string, admin: ProviderAdminContext): SealedApiKey {
  const { keyring } = admin.liveCatalog;
  if (keyring === undefined) {
    throw new GatewayError({
      code: 'secrets_unavailable',
      message:
        'Provider keys are stored only sealed, and MERIDIAN_MASTER_KEYS is not set on this gateway: nothing was stored. ' +
        'Set it (see docs/providers-api.md) and restart, or create the provider without api_key.',
    });
  }
  return {
    sealed: sealSecret(apiKey, { keyring, purpose: providerSecretPurpose(providerId) }),
    keyId: keyring.currentKeyId,
    lastFour: apiKey.length >= lastFourKeyCharsMin ? apiKey.slice(-4) : null,
  };
}

/**
 * The base URL as the guard reads it (normalised: `http://2130706433/` is `http://127.0.0.1/`), after its host
 * and every address it resolves to passed the SSRF guard. The connection checks again at connect time.
 */
async function checkBaseUrl(text: string, admin: ProviderAdminContext): Promise<string> {
  // Before any lookup, and on the text: `http://h/v1?` has an empty `search` but keeps its `?` in `href`, which would
  // then end the path every call appends to.
  if (/[?#]/.test(text)) {
    throw new GatewayError({
      code: 'invalid_request',
      message: 'base_url: must not have a query string or fragment.',
      param: 'base_url',
    });
  }
  let url: URL;
  try {
    url = await checkOutboundUrl(text, {
      allowList: admin.allowList,
      timeoutMs: limits.outboundUrlCheckTimeoutMs,
      ...(admin.lookup === undefined ? {} : { lookup: admin.lookup }),
    });
  } catch (error) {
    throw convertUrlError(error);
  }
  return url.href;
}

function convertUrlError(error: unknown): unknown {
  if (error instanceof OutboundRefusedError) {
    return new GatewayError({
      code: 'outbound_url_refused',
      message: `base_url ${error.url} refused (${error.reason}): ${explainRefusal(error.reason)}`,
      param: 'base_url',
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatewayError({
      code: 'invalid_request',
      message: `base_url: resolving its host took longer than ${limits.outboundUrlCheckTimeoutMs} ms.`,
      param: 'base_url',
    });
  }
  if (typeof code === 'string' && /^(ENOTFOUND|EAI_[A-Z]+|ENODATA|ESERVFAIL)$/.test(code)) {
    return new GatewayError({
      code: 'invalid_request',
      message: `base_url: its host name does not resolve (${code}).`,
      param: 'base_url',
    });
  }
  return error;
}

/** What the admin can do about a refusal; every address class gets the allow-list hint. */
const refusalHints: Partial<Record<OutboundRefusalReason, string>> = {
  invalid_url: 'not an absolute URL.',
  unsupported_scheme: 'only http and https are allowed.',
  credentials_in_url: 'send the key as api_key, not inside the URL.',
};

function explainRefusal(reason: OutboundRefusalReason): string {
  return (
    refusalHints[reason] ??
    'providers created through the API may reach public addresses only, unless security.outbound_allow in the config file lists the destination.'
  );
}

function providerExists(id: string): GatewayError {
  return new GatewayError({
    code: 'provider_exists',
    message: `A provider with id '${id}' already exists (created through the API, or defined by the config file or the built-in catalog).`,
    param: 'id',
  });
}

function throwNotFound(exchange: ProviderExchange & { readonly id: string }): never {
  const isOperators = exchange.admin.liveCatalog.isReservedId(exchange.id);
  throw new GatewayError({
    code: 'not_found',
    message: isOperators
      ? `Provider '${exchange.id}' is defined by the config file or the built-in catalog; change it there.`
      : `No provider '${exchange.id}' was created through the API.`,
    param: 'id',
  });
}
