import { GatewayError } from '../../errors/index.js';

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
