import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../errors/index.js';
import { limits } from '../../config/index.js';
import { LedgerRefusal, reservedGrantIdPrefixes } from '../../ledger/index.js';
import type { OrgBalance } from '../../ledger/index.js';
import { currentLimitWindowStartMs } from '../../limits/index.js';
import { renderNanos } from '../../metering/index.js';
import type { KeyRecord, MaybePromise } from '../../storage/index.js';
import type { AppContext } from '../app-context.js';
import { sendJson } from '../send-json.js';
import { renderKey } from './keys-route.js';
import { readUsd } from './parse-key-fields.js';

/** GET /api/v1/credits: the calling key's org, as OpenRouter answers it, plus what is held and available now. */
export async function sendCredits(
  response: ServerResponse,
  app: AppContext,
  key: KeyRecord,
  requestId: string,
): Promise<void> {
  const balance = await app.storage.ledger.balance(key.orgId);
  sendJson(response, 200, { data: { ...renderBalance(balance), org_id: key.orgId } }, requestId);
}

/**
 * An org's balance: each amount as a JSON number of USD (OpenRouter's shape) and as exact nano-USD text (`…_nanos`),
 * which keeps every digit where a number rounds (past 2^53 nano-USD, about 9 million USD).
 */
export function renderBalance(balance: OrgBalance): Record<string, number | string> {
  return {
    total_credits: renderNanos(balance.grantedNanos),
    total_usage: renderNanos(balance.chargedNanos),
    available: renderNanos(balance.availableNanos),
    held: renderNanos(balance.heldNanos),
    total_credits_nanos: balance.grantedNanos.toString(),
    total_usage_nanos: balance.chargedNanos.toString(),
    available_nanos: balance.availableNanos.toString(),
    held_nanos: balance.heldNanos.toString(),
  };
}

/** GET /api/v1/key: the calling key, its limit and what it spent in the limit's current window (OpenRouter's shape). */
export async function sendCurrentKey(
  response: ServerResponse,
  app: AppContext,
  key: KeyRecord,
  requestId: string,
): Promise<void> {
  const windowStartMs = currentLimitWindowStartMs(key.limitReset, app.now());
  const spend = await app.storage.ledger.keySpend(key.id, windowStartMs);
  const left = key.limitNanos === null ? null : key.limitNanos - spend.spentNanos - spend.heldNanos;
  const remaining = left === null || left > 0n ? left : 0n;
  sendJson(
    response,
    200,
    {
      data: {
        ...renderKey(key),
        usage: renderNanos(spend.spentNanos),
        held: renderNanos(spend.heldNanos),
        limit_remaining: remaining === null ? null : renderNanos(remaining),
        usage_nanos: spend.spentNanos.toString(),
        held_nanos: spend.heldNanos.toString(),
        limit_remaining_nanos: remaining === null ? null : remaining.toString(),
        is_free_tier: false,
      },
    },
    requestId,
  );
}

/**
 * POST /api/v1/orgs (admin): creates an org `{id, name?, markup_basis_points?}` (201), or changes an existing one
 * (200): only the fields given change, so re-posting an org without its markup keeps the markup.
 */
export async function createOrgRoute(
  response: ServerResponse,
  app: AppContext,
  body: unknown,
  requestId: string,
): Promise<void> {
  const { id, name, markup } = parseOrgFields(asRecord(body));
  const { orgs } = app.storage;
  const isCreated = await orgs.ensureOrg({
    id,
    name: name ?? id,
    createdAtMs: app.now(),
    markupBasisPoints: markup ?? 0,
  });
  if (!isCreated && name !== undefined) await orgs.setName(id, name);
  if (!isCreated && markup !== undefined) await orgs.setMarkup(id, markup);
  if (isCreated || markup !== undefined) app.orgMarkups.remember(id, markup ?? 0);
  sendJson(response, isCreated ? 201 : 200, { data: await renderOrg(app, id) }, requestId);
}

function parseOrgFields(fields: Record<string, unknown>): {
  readonly id: string;
  readonly name: string | undefined;
  readonly markup: number | undefined;
} {
  const { id, name, markup_basis_points: markup } = fields;
  if (typeof id !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id) || id.length > 64) {
    throw new GatewayError({ code: 'invalid_request', message: 'id: must be kebab-case (a-z, 0-9, -).', param: 'id' });
  }
  if (
    name !== undefined &&
    (typeof name !== 'string' || name.trim() === '' || name.length > limits.adminNameLengthMax)
  ) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `name: must be 1–${limits.adminNameLengthMax} characters.`,
      param: 'name',
    });
  }
  const isMarkup = typeof markup === 'number' && Number.isInteger(markup) && markup >= -10_000 && markup <= 1_000_000;
  if (markup !== undefined && !isMarkup) {
    throw new GatewayError({
      code: 'invalid_request',
      message: 'markup_basis_points: an integer from -10000 (free) to 1000000 (100×).',
      param: 'markup_basis_points',
    });
  }
  return { id, name: name?.trim(), markup };
}

/** GET /api/v1/orgs (admin): every org with its balance. */
export async function listOrgsRoute(response: ServerResponse, app: AppContext, requestId: string): Promise<void> {
  const data: Record<string, unknown>[] = [];
  // One org at a time: at most one storage round trip in flight, however many orgs there are.
  for (const org of await app.storage.orgs.listOrgs()) data.push(await renderOrg(app, org.id));
  sendJson(response, 200, { data }, requestId);
}

/**
 * POST /api/v1/orgs/{id}/credits (admin): grants `{amount: "25.00", grant_id?}`. With a `grant_id` (say, a
 * payment id) the grant is idempotent: repeating it grants nothing more.
 */
export async function grantCreditsRoute(
  response: ServerResponse,
  app: AppContext,
  input: { readonly orgId: string; readonly body: unknown; readonly requestId: string },
): Promise<void> {
  if ((await app.storage.orgs.findOrg(input.orgId)) === undefined) {
    throw new GatewayError({ code: 'not_found', message: `Org '${input.orgId}' not found.`, param: 'id' });
  }
  const fields = asRecord(input.body);
  const amount = readUsd(fields['amount'], 'amount');
  if (amount === null || amount <= 0n) {
    throw new GatewayError({ code: 'invalid_request', message: 'amount: must be above zero.', param: 'amount' });
  }
  const grantId = readGrantId(fields['grant_id']) ?? `api:${input.requestId}`;
  const isGranted = await explainRefusal(() =>
    app.storage.ledger.grant({ grantId, orgId: input.orgId, amount, nowMs: app.now() }),
  );
  sendJson(
    response,
    isGranted ? 201 : 200,
    { granted: isGranted, grant_id: grantId, data: await renderOrg(app, input.orgId) },
    input.requestId,
  );
}

/**
 * A grant's own id (a payment id, say), which makes it idempotent; undefined when absent. Anything else than a
 * non-empty string of at most `grantIdLengthMax` characters is refused rather than ignored: an ignored id would let a
 * retried grant credit twice. The config's `config:` ids and credit codes' `code:` ids are reserved.
 */
function readGrantId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > limits.grantIdLengthMax) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `grant_id: must be a non-empty string of at most ${limits.grantIdLengthMax} characters.`,
      param: 'grant_id',
    });
  }
  const reserved = reservedGrantIdPrefixes.find(({ prefix }) => value.startsWith(prefix));
  if (reserved !== undefined) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `grant_id: ids starting with '${reserved.prefix}' are reserved for ${reserved.owner}.`,
      param: 'grant_id',
    });
  }
  return value;
}

async function renderOrg(app: AppContext, orgId: string): Promise<Record<string, unknown>> {
  const org = await app.storage.orgs.findOrg(orgId);
  const balance = await app.storage.ledger.balance(orgId);
  return {
    id: orgId,
    name: org?.name ?? orgId,
    markup_basis_points: org?.markupBasisPoints ?? 0,
    ...renderBalance(balance),
    prompt_logging: {
      enabled: org?.promptLogging.isEnabled ?? false,
      retention_days: org?.promptLogging.retentionDays ?? null,
    },
  };
}

function asRecord(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** POST /api/v1/credit-codes (admin): `{amount: "10.00", count?: 1..100}` → the codes, shown once. */
export async function createCreditCodesRoute(
  response: ServerResponse,
  app: AppContext,
  body: unknown,
  requestId: string,
): Promise<void> {
  const fields = asRecord(body);
  const amount = readUsd(fields['amount'], 'amount');
  if (amount === null || amount <= 0n) {
    throw new GatewayError({ code: 'invalid_request', message: 'amount: must be above zero.', param: 'amount' });
  }
  const count = fields['count'] ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100) {
    throw new GatewayError({ code: 'invalid_request', message: 'count: an integer from 1 to 100.', param: 'count' });
  }
  const codes = await app.storage.creditCodes.createCodes(amount, count, app.now());
  sendJson(response, 201, { codes, amount: renderNanos(amount), amount_nanos: amount.toString() }, requestId);
}

/**
 * POST /api/v1/credits/redeem (any key): `{code}` grants the code's amount to the caller's org, once. A body without a
 * code string is 400; a code that is unknown or spent is 404.
 */
export async function redeemCreditCodeRoute(
  response: ServerResponse,
  app: AppContext,
  input: { readonly key: KeyRecord; readonly body: unknown; readonly requestId: string },
): Promise<void> {
  const code = asRecord(input.body)['code'];
  if (typeof code !== 'string') {
    throw new GatewayError({
      code: 'invalid_request',
      message: 'code: must be a credit code string (mer-cc-…).',
      param: 'code',
    });
  }
  const amount = await explainRefusal(() => app.storage.creditCodes.redeemCode(code, input.key.orgId, app.now()));
  if (amount === undefined) {
    // One answer for unknown and already-redeemed codes: the endpoint does not tell which codes exist.
    throw new GatewayError({
      code: 'not_found',
      message: 'This credit code is unknown or already redeemed.',
      param: 'code',
    });
  }
  const data = await renderOrg(app, input.key.orgId);
  sendJson(response, 200, { redeemed: renderNanos(amount), redeemed_nanos: amount.toString(), data }, input.requestId);
}

/**
 * A ledger refusal the client can act on: a reused grant id (409) or a balance past the ledger's limit (400),
 * whether the write throws it or its promise rejects with it.
 */
async function explainRefusal<T>(write: () => MaybePromise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof LedgerRefusal)) throw error;
    const isConflict = error.reason === 'grant_conflict';
    throw new GatewayError({
      code: isConflict ? 'idempotency_conflict' : 'invalid_request',
      message: error.message,
      param: isConflict ? 'grant_id' : 'amount',
    });
  }
}
