import { GatewayError } from '../../errors/index.js';
import type { MaybePromise, OrgRecord } from '../../storage/index.js';

/** Longest org id (as `POST /api/v1/orgs` accepts them). */
const orgIdLengthMax = 64;

/**
 * An `org_id` query parameter: an org id is kebab-case (it also names a CSV file, in a header), so anything else
 * names no org and is refused rather than answered with nothing.
 *
 * @throws GatewayError invalid_request on `org_id`.
 */
export function checkOrgIdParam(orgId: string): string {
  if (/^[a-z0-9]+(-[a-z0-9]+)*$/.test(orgId) && orgId.length <= orgIdLengthMax) return orgId;
  throw new GatewayError({
    code: 'invalid_request',
    message: 'org_id must be an org id (kebab-case: a-z, 0-9, -)',
    param: 'org_id',
  });
}

/**
 * The org an admin names with `org_id`: a well-formed id ({@link checkOrgIdParam}) of an org that exists, so a typo
 * is a 404 rather than an empty answer that reads as "no usage".
 *
 * @throws GatewayError invalid_request, or not_found, on `org_id`.
 */
export async function findOrgIdParam(
  orgs: { findOrg(id: string): MaybePromise<OrgRecord | undefined> },
  orgId: string,
): Promise<string> {
  checkOrgIdParam(orgId);
  if ((await orgs.findOrg(orgId)) !== undefined) return orgId;
  throw new GatewayError({ code: 'not_found', message: `Org '${orgId}' not found.`, param: 'org_id' });
}
