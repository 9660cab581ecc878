import type { ServerResponse } from 'node:http';
import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import type { GenerationListStore, KeyRecord, OrgStore, ServingPort } from '../../storage/index.js';
import { sendJson } from '../send-json.js';
import { findOrgIdParam } from './check-org-id-param.js';
import { renderGeneration } from './generation-route.js';

/** Rows answered when the caller names no `limit`. */
const defaultPageCount = 20;

/**
 * GET /api/v1/generations?limit=N: the caller's org's latest generations, newest first, each in the shape of
 * `GET /api/v1/generation`. A member key sees its own org whatever it sends; an admin key may name `org_id` (an org
 * that exists).
 */
export async function sendGenerations(
  response: ServerResponse,
  options: {
    readonly url: URL;
    readonly key: KeyRecord;
    readonly store: ServingPort<GenerationListStore>;
    /** Where an admin's `org_id` is looked up. */
    readonly orgs: Pick<ServingPort<OrgStore>, 'findOrg'>;
    readonly requestId: string;
  },
): Promise<void> {
  const limit = parseLimit(options.url.searchParams.get('limit'));
  const askedOrgId = options.url.searchParams.get('org_id');
  const orgId =
    options.key.role === 'admin' && askedOrgId !== null
      ? await findOrgIdParam(options.orgs, askedOrgId)
      : options.key.orgId;
  const records = await options.store.listRecentGenerations({ orgId, limit });
  sendJson(response, 200, { data: records.map(renderGeneration) }, options.requestId);
}

function parseLimit(text: string | null): number {
  if (text === null) return defaultPageCount;
  const limit = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= limits.generationsPageCountMax)) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `limit: an integer from 1 to ${limits.generationsPageCountMax}.`,
      param: 'limit',
    });
  }
  return limit;
}
