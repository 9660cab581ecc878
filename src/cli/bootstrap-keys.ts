import { parsePriceNanosPerMillion } from '../catalog/parse-price.js';
import type { MeridianConfig } from '../config/index.js';
import type { KeyService } from '../keys/index.js';
import type { KeyRole, Storage } from '../storage/index.js';

/** The org every node has; keys created without an org belong to it. */
export const defaultOrgId = 'default';

/**
 * Applies the config's bootstrap (orgs and their prompt logging, admin key, fixed keys) idempotently, so
 * restarts and several nodes sharing one file never create anything twice. A
 * generated secret is printed once, at creation, and never again.
 */
export function bootstrapKeys(input: {
  readonly config: MeridianConfig;
  readonly storage: Storage;
  readonly keys: KeyService;
  readonly print: (line: string) => void;
  readonly now: () => number;
}): void {
  const { config, storage, keys, print } = input;
  storage.orgs.ensureOrg({ id: defaultOrgId, name: 'Default', createdAtMs: input.now(), markupBasisPoints: 0 });
  for (const org of config.orgs) {
    storage.orgs.ensureOrg({ id: org.id, name: org.name ?? org.id, createdAtMs: input.now(), markupBasisPoints: 0 });
    // Written in the file: applied at every start (turning it off there hides the org's logs; the purge deletes them).
    if (org.promptLogging !== undefined) storage.orgs.setPromptLogging(org.id, org.promptLogging);
  }
  grantBootstrapCredits(config, storage, input.now());
  ensureAdminKey(config.admin.key, keys, print);
  for (const entry of config.keys) {
    const fixedSecret = entry.key === undefined || entry.key === '' ? undefined : entry.key;
    if (fixedSecret !== undefined) {
      ensureFixedKey({ keys, print, orgId: entry.org, name: entry.name, role: 'member', secret: fixedSecret });
      continue;
    }
    if (keys.listKeys(entry.org).some((record) => record.name === entry.name)) continue;
    const created = keys.createKey({
      orgId: entry.org,
      name: entry.name,
      role: 'member',
      limitNanos: entry.limit === undefined ? null : parsePriceNanosPerMillion(entry.limit),
      limitReset: entry.limitReset,
    });
    print(`Key '${entry.name}' for org '${entry.org}' (shown once, store it now): ${created.secret}`);
  }
}

/** Zero-config demo credit for the default org when the config says nothing about it (USD). */
export const defaultOrgStarterCredits = '10.00';

/**
 * Credits from the config file, granted once per org ever (grant id `config:<org>`): restarts and several nodes
 * sharing one file never grant twice, and editing the amount later grants nothing (use the credits API or CLI).
 */
function grantBootstrapCredits(config: MeridianConfig, storage: Storage, nowMs: number): void {
  const grants = config.orgs
    .filter((org) => org.credits !== undefined)
    .map((org) => ({ orgId: org.id, credits: org.credits! }));
  if (!config.orgs.some((org) => org.id === defaultOrgId))
    grants.push({ orgId: defaultOrgId, credits: defaultOrgStarterCredits });
  for (const grant of grants) {
    storage.ledger.grant({
      grantId: `config:${grant.orgId}`,
      orgId: grant.orgId,
      amount: parsePriceNanosPerMillion(grant.credits),
      nowMs,
    });
  }
}

function ensureAdminKey(fixedSecret: string | undefined, keys: KeyService, print: (line: string) => void): void {
  if (fixedSecret !== undefined && fixedSecret !== '') {
    ensureFixedKey({ keys, print, orgId: defaultOrgId, name: 'admin', role: 'admin', secret: fixedSecret });
    return;
  }
  const existing = keys.listKeys(defaultOrgId).find((record) => record.role === 'admin' && record.revokedAtMs === null);
  if (existing !== undefined) {
    print(
      `Admin key: ${existing.displayPrefix}...${existing.lastFour} (created earlier; the secret was shown once then)`,
    );
    return;
  }
  const created = keys.createKey({ orgId: defaultOrgId, name: 'admin', role: 'admin' });
  print(`Admin key (shown once, store it now): ${created.secret}`);
}

/**
 * Creates a key with an operator-fixed secret unless it exists. A fixed key that was
 * revoked stays revoked: its digest is taken, so creation fails and is reported, not retried.
 */
function ensureFixedKey(input: {
  readonly keys: KeyService;
  readonly print: (line: string) => void;
  readonly orgId: string;
  readonly name: string;
  readonly role: KeyRole;
  readonly secret: string;
}): void {
  if (input.keys.authenticate(input.secret) !== undefined) return;
  try {
    input.keys.createKey({ orgId: input.orgId, name: input.name, role: input.role, secret: input.secret });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    input.print(
      `Key '${input.name}' of org '${input.orgId}' from the config was revoked; it stays revoked (set a new secret to replace it).`,
    );
  }
}

function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed: api_keys\.digest/.test(error.message);
}
