import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../errors/index.js';
import type { ServingKeyService } from '../../keys/index.js';
import type { KeyRecord, OrgStore, ServingPort } from '../../storage/index.js';
import { renderNanos } from '../../metering/index.js';
import { sendJson } from '../send-json.js';
import { parseKeyFields } from './parse-key-fields.js';

/** The public view of a key: never the secret or its digest. */
export function renderKey(record: KeyRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    label: `${record.displayPrefix}...${record.lastFour}`,
    org_id: record.orgId,
    role: record.role,
    created_at: new Date(record.createdAtMs).toISOString(),
    disabled: record.isDisabled || record.revokedAtMs !== null,
    revoked: record.revokedAtMs !== null,
    limit: record.limitNanos === null ? null : renderNanos(record.limitNanos),
    limit_reset: record.limitReset,
    expires_at: record.expiresAtMs === null ? null : new Date(record.expiresAtMs).toISOString(),
    allowed_models: record.allowedModels,
    requests_per_minute: record.rateLimits.requestsPerMinute,
    tokens_per_minute: record.rateLimits.tokensPerMinute,
    concurrency: record.rateLimits.concurrencyMax,
  };
}

/** POST /api/v1/keys (admin): creates a key; the secret is in this answer and nowhere else, ever. */
export async function createKeyRoute(
  response: ServerResponse,
  options: {
    readonly body: unknown;
    readonly keys: ServingKeyService;
    readonly orgs: ServingPort<OrgStore>;
    readonly requestId: string;
  },
): Promise<void> {
  const body = (typeof options.body === 'object' && options.body !== null ? options.body : {}) as Record<
    string,
    unknown
  >;
  const name = body['name'];
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    throw new GatewayError({
      code: 'invalid_request',
      message: '`name` must be a non-empty string (≤ 200 characters).',
      param: 'name',
    });
  }
  const orgId = body['org_id'] ?? 'default';
  if (typeof orgId !== 'string' || (await options.orgs.findOrg(orgId)) === undefined) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `Org '${typeof orgId === 'string' ? orgId : JSON.stringify(orgId)}' does not exist.`,
      param: 'org_id',
    });
  }
  const fields = parseKeyFields(body);
  const created = await options.keys.createKey({
    orgId,
    name: name.trim(),
    role: 'member',
    ...(fields.limitNanos === undefined ? {} : { limitNanos: fields.limitNanos }),
    ...(fields.limitReset === undefined ? {} : { limitReset: fields.limitReset }),
    ...(fields.expiresAtMs === undefined ? {} : { expiresAtMs: fields.expiresAtMs }),
    ...(fields.allowedModels === undefined ? {} : { allowedModels: fields.allowedModels }),
    ...(fields.rateLimits === undefined ? {} : { rateLimits: fields.rateLimits }),
  });
  sendJson(response, 201, { key: created.secret, data: renderKey(created.record) }, options.requestId);
}

/** GET /api/v1/keys (admin): every key, by prefix. */
export async function listKeysRoute(
  response: ServerResponse,
  keys: ServingKeyService,
  requestId: string,
): Promise<void> {
  const records = await keys.listKeys(undefined);
  sendJson(response, 200, { data: records.map(renderKey) }, requestId);
}

/** DELETE /api/v1/keys/{id} (admin): revokes a key at once. */
export async function revokeKeyRoute(
  response: ServerResponse,
  options: { readonly id: string; readonly keys: ServingKeyService; readonly requestId: string },
): Promise<void> {
  if (!(await options.keys.revokeKey(options.id))) {
    throw new GatewayError({ code: 'not_found', message: `Key '${options.id}' not found.`, param: 'id' });
  }
  sendJson(response, 200, { deleted: true, id: options.id }, options.requestId);
}

/** PATCH /api/v1/keys/{id} (admin): disable/enable, limits, allow-list, expiry, name; effective at once on this node. */
export async function updateKeyRoute(
  response: ServerResponse,
  options: {
    readonly id: string;
    readonly body: unknown;
    readonly keys: ServingKeyService;
    readonly requestId: string;
  },
): Promise<void> {
  const body = (typeof options.body === 'object' && options.body !== null ? options.body : {}) as Record<
    string,
    unknown
  >;
  const updated = await options.keys.updateKey(options.id, parseKeyFields(body));
  if (updated === undefined) {
    throw new GatewayError({ code: 'not_found', message: `Key '${options.id}' not found.`, param: 'id' });
  }
  sendJson(response, 200, { data: renderKey(updated) }, options.requestId);
}

/**
 * POST /api/v1/keys/{id}/rotate (admin): a new secret with the same org, name, limits and allow-list; the old
 * key is revoked in the same step. The new secret is in this answer and nowhere else.
 */
export async function rotateKeyRoute(
  response: ServerResponse,
  options: { readonly id: string; readonly keys: ServingKeyService; readonly requestId: string },
): Promise<void> {
  const old = (await options.keys.listKeys(undefined)).find((record) => record.id === options.id);
  if (old === undefined || old.revokedAtMs !== null || old.role !== 'member') {
    throw new GatewayError({ code: 'not_found', message: `No active member key '${options.id}'.`, param: 'id' });
  }
  // New key first, then the old one revoked: a failure in between leaves the old key working, never none.
  const created = await options.keys.createKey({
    orgId: old.orgId,
    name: old.name,
    role: old.role,
    limitNanos: old.limitNanos,
    limitReset: old.limitReset,
    expiresAtMs: old.expiresAtMs,
    allowedModels: old.allowedModels,
    rateLimits: old.rateLimits,
  });
  await options.keys.revokeKey(old.id);
  sendJson(
    response,
    201,
    { key: created.secret, data: renderKey(created.record), rotated_from: old.id },
    options.requestId,
  );
}
