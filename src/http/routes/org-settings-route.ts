import type { ServerResponse } from 'node:http';
import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import { runContentPurge } from '../../storage/index.js';
import type { OrgRecord, PromptLoggingSetting } from '../../storage/index.js';
import type { AppContext } from '../app-context.js';
import { sendJson } from '../send-json.js';

/**
 * PATCH /api/v1/orgs/{id} (admin): `{prompt_logging: {enabled?, retention_days?}}`; an absent field keeps its
 * value. Turning logging off hides the org's stored prompts and completions at once and starts a purge run that
 * deletes them in bounded batches; a shorter retention does the same for the rows it expires.
 */
export async function updateOrgSettingsRoute(
  response: ServerResponse,
  app: AppContext,
  input: { readonly orgId: string; readonly body: unknown; readonly requestId: string },
): Promise<void> {
  const org = await app.storage.orgs.findOrg(input.orgId);
  if (org === undefined) {
    throw new GatewayError({ code: 'not_found', message: `Org '${input.orgId}' not found.`, param: 'id' });
  }
  const patch = parsePromptLoggingPatch(input.body);
  const setting: PromptLoggingSetting = {
    isEnabled: patch.isEnabled ?? org.promptLogging.isEnabled,
    retentionDays: patch.retentionDays ?? org.promptLogging.retentionDays,
  };
  await app.storage.orgs.setPromptLogging(org.id, setting);
  if (!setting.isEnabled || setting.retentionDays < org.promptLogging.retentionDays) startPurge(app, org.id);
  sendJson(response, 200, { data: renderOrgSettings({ ...org, promptLogging: setting }) }, input.requestId);
}

/** An org's settings as the API shows them. */
export function renderOrgSettings(org: OrgRecord): Record<string, unknown> {
  return {
    id: org.id,
    name: org.name,
    markup_basis_points: org.markupBasisPoints,
    prompt_logging: { enabled: org.promptLogging.isEnabled, retention_days: org.promptLogging.retentionDays },
  };
}

function startPurge(app: AppContext, orgId: string): void {
  runContentPurge({ store: app.storage.generationContent, now: app.now }).then(
    (deletedCount) => {
      if (deletedCount > 0) app.log.info('prompt_logs_purged', { orgId, count: deletedCount });
    },
    (error: unknown) => app.log.error('prompt_log_purge_failed', { orgId, error: String(error) }),
  );
}

/** Strict: an unknown field is a 400 (a misspelt switch must not look applied). */
function parsePromptLoggingPatch(body: unknown): { isEnabled?: boolean; retentionDays?: number } {
  const fields = asRecord(body, 'body');
  for (const name of Object.keys(fields)) {
    if (name !== 'prompt_logging') invalid(`${name}: unknown field; this route changes prompt_logging only.`, name);
  }
  const logging = asRecord(fields['prompt_logging'], 'prompt_logging');
  for (const name of Object.keys(logging)) {
    if (name !== 'enabled' && name !== 'retention_days') {
      invalid(`prompt_logging.${name}: unknown field (enabled, retention_days).`, `prompt_logging.${name}`);
    }
  }
  const enabled = logging['enabled'];
  const retentionDays = logging['retention_days'];
  if (enabled === undefined && retentionDays === undefined) {
    invalid('prompt_logging: give enabled and/or retention_days.', 'prompt_logging');
  }
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    invalid('prompt_logging.enabled: must be true or false.', 'prompt_logging.enabled');
  }
  const daysMax = limits.promptLogRetentionDaysMax;
  if (
    retentionDays !== undefined &&
    (typeof retentionDays !== 'number' ||
      !Number.isInteger(retentionDays) ||
      retentionDays < 1 ||
      retentionDays > daysMax)
  ) {
    invalid(`prompt_logging.retention_days: an integer from 1 to ${daysMax}.`, 'prompt_logging.retention_days');
  }
  return {
    ...(enabled === undefined ? {} : { isEnabled: enabled }),
    ...(retentionDays === undefined ? {} : { retentionDays }),
  };
}

function asRecord(value: unknown, param: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${param}: must be an object.`, param);
  return value as Record<string, unknown>;
}

function invalid(message: string, param: string): never {
  throw new GatewayError({ code: 'invalid_request', message, param });
}
