import type { ServerResponse } from 'node:http';
import { limits } from '../../config/index.js';
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
    limit_nanos: record.limitNanos === null ? null : record.limitNanos.toString(),
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
  if (typeof name !== 'string' || name.trim() === '' || name.length > limits.adminNameLengthMax) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `\`name\` must be a non-empty string (≤ ${limits.adminNameLengthMax} characters).`,
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
    ...(fields.isDisabled === undefined ? {} : { isDisabled: fields.isDisabled }),
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
 * POST /api/v1/keys/{id}/rotate (admin): a new secret for the same key, shown in this answer and nowhere else. The old
 * secret stops working in the same step; the key keeps its id and everything else: settings, disabled or not, what it
 * spent in its limit's window, its rate-limit windows (a rotation is no way around a limit). `rotated_from` names the
 * key rotated (the same id), as answers before this kept the id apart.
 */
export async function rotateKeyRoute(
  response: ServerResponse,
  options: { readonly id: string; readonly keys: ServingKeyService; readonly requestId: string },
): Promise<void> {
  const old = (await options.keys.listKeys(undefined)).find((record) => record.id === options.id);
  const rotated = old?.role === 'member' ? await options.keys.rotateKey(options.id) : undefined;
  if (rotated === undefined) {
    throw new GatewayError({ code: 'not_found', message: `No active member key '${options.id}'.`, param: 'id' });
  }
  sendJson(
    response,
    201,
    { key: rotated.secret, data: renderKey(rotated.record), rotated_from: options.id },
    options.requestId,
  );
}
