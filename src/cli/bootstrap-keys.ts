import { parsePriceNanosPerMillion } from '../catalog/parse-price.js';
import type { MeridianConfig } from '../config/index.js';
import type { ServingKeyService } from '../keys/index.js';
import type { KeyRole, ServingStorage } from '../storage/index.js';

/** The org every node has; keys created without an org belong to it. */
export const defaultOrgId = 'default';

/**
 * Applies the config's bootstrap (orgs and their prompt logging, admin key, fixed keys) idempotently, so
 * restarts and several nodes sharing one file never create anything twice. A
 * generated secret is printed once, at creation, and never again.
 */
export async function bootstrapKeys(input: {
  readonly config: MeridianConfig;
  readonly storage: Pick<ServingStorage, 'orgs' | 'ledger'>;
  readonly keys: ServingKeyService;
  readonly print: (line: string) => void;
  readonly now: () => number;
}): Promise<void> {
  const { config, storage, keys, print } = input;
  await storage.orgs.ensureOrg({ id: defaultOrgId, name: 'Default', createdAtMs: input.now(), markupBasisPoints: 0 });
  for (const org of config.orgs) {
    await storage.orgs.ensureOrg({
      id: org.id,
      name: org.name ?? org.id,
      createdAtMs: input.now(),
      markupBasisPoints: 0,
    });
    // Written in the file: applied at every start (turning it off there hides the org's logs; the purge deletes them).
    if (org.promptLogging !== undefined) await storage.orgs.setPromptLogging(org.id, org.promptLogging);
  }
  await grantBootstrapCredits(config, storage, input.now());
  await ensureAdminKey(config.admin.key, keys, print);
  for (const entry of config.keys) {
    const fixedSecret = entry.key === undefined || entry.key === '' ? undefined : entry.key;
    if (fixedSecret !== undefined) {
      await ensureFixedKey({ keys, print, orgId: entry.org, name: entry.name, role: 'member', secret: fixedSecret });
      continue;
    }
    if ((await keys.listKeys(entry.org)).some((record) => record.name === entry.name)) continue;
    const created = await keys.createKey({
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
async function grantBootstrapCredits(
  config: MeridianConfig,
  storage: Pick<ServingStorage, 'ledger'>,
  nowMs: number,
): Promise<void> {
  const grants = config.orgs
    .filter((org) => org.credits !== undefined)
    .map((org) => ({ orgId: org.id, credits: org.credits! }));
  if (!config.orgs.some((org) => org.id === defaultOrgId))
    grants.push({ orgId: defaultOrgId, credits: defaultOrgStarterCredits });
  for (const grant of grants) {
    await storage.ledger.grant({
      grantId: `config:${grant.orgId}`,
      orgId: grant.orgId,
      amount: parsePriceNanosPerMillion(grant.credits),
      nowMs,
    });
  }
}

async function ensureAdminKey(
  fixedSecret: string | undefined,
  keys: ServingKeyService,
  print: (line: string) => void,
): Promise<void> {
  if (fixedSecret !== undefined && fixedSecret !== '') {
    await ensureFixedKey({ keys, print, orgId: defaultOrgId, name: 'admin', role: 'admin', secret: fixedSecret });
    return;
  }
  const existing = (await keys.listKeys(defaultOrgId)).find(
    (record) => record.role === 'admin' && record.revokedAtMs === null,
  );
  if (existing !== undefined) {
    print(
      `Admin key: ${existing.displayPrefix}...${existing.lastFour} (created earlier; the secret was shown once then)`,
    );
    return;
  }
  const created = await keys.createKey({ orgId: defaultOrgId, name: 'admin', role: 'admin' });
  print(`Admin key (shown once, store it now): ${created.secret}`);
}

/**
 * Creates a key with an operator-fixed secret unless it exists. A fixed key that was
 * revoked stays revoked: its digest is taken, so creation fails and is reported, not retried.
 */
async function ensureFixedKey(input: {
  readonly keys: ServingKeyService;
  readonly print: (line: string) => void;
  readonly orgId: string;
  readonly name: string;
  readonly role: KeyRole;
  readonly secret: string;
}): Promise<void> {
  if ((await input.keys.authenticate(input.secret)) !== undefined) return;
  try {
    await input.keys.createKey({ orgId: input.orgId, name: input.name, role: input.role, secret: input.secret });
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
