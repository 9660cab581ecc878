import { parsePriceNanosPerMillion } from '../catalog/parse-price.js';
import type { MeridianConfig } from '../config/index.js';
import type { CreateKeyInput, ServingKeyService } from '../keys/index.js';
import { configGrantIdPrefix, LedgerRefusal } from '../ledger/index.js';
import type { ServingStorage } from '../storage/index.js';

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
  await grantBootstrapCredits(config, storage, { nowMs: input.now(), print });
  await ensureAdminKey(config.admin.key, keys, print);
  for (const entry of config.keys) {
    const settings = {
      orgId: entry.org,
      name: entry.name,
      role: 'member' as const,
      limitNanos: entry.limit === undefined ? null : parsePriceNanosPerMillion(entry.limit),
      limitReset: entry.limitReset,
    };
    const fixedSecret = entry.key === undefined || entry.key === '' ? undefined : entry.key;
    if (fixedSecret !== undefined) {
      await ensureFixedKey({ keys, print, settings, secret: fixedSecret });
      continue;
    }
    if ((await keys.listKeys(entry.org)).some((record) => record.name === entry.name)) continue;
    const created = await keys.createKey(settings);
    print(`Key '${entry.name}' for org '${entry.org}' (shown once, store it now): ${created.secret}`);
  }
}

/** Zero-config demo credit for the default org when the config says nothing about it (USD). */
export const defaultOrgStarterCredits = '10.00';

/**
 * Credits from the config file, granted once per org ever (grant id `config:<org>`, a prefix the credits API refuses: src/ledger/grant-ids.ts):
 * restarts and several nodes sharing one file never grant twice, and editing the amount later grants nothing (use the
 * credits API or CLI); the start says so and goes on.
 */
async function grantBootstrapCredits(
  config: MeridianConfig,
  storage: Pick<ServingStorage, 'ledger'>,
  output: { readonly nowMs: number; readonly print: (line: string) => void },
): Promise<void> {
  const grants = config.orgs
    .filter((org) => org.credits !== undefined)
    .map((org) => ({ orgId: org.id, credits: org.credits! }));
  if (!config.orgs.some((org) => org.id === defaultOrgId))
    grants.push({ orgId: defaultOrgId, credits: defaultOrgStarterCredits });
  for (const grant of grants) {
    try {
      await storage.ledger.grant({
        grantId: `${configGrantIdPrefix}${grant.orgId}`,
        orgId: grant.orgId,
        amount: parsePriceNanosPerMillion(grant.credits),
        nowMs: output.nowMs,
      });
    } catch (error) {
      if (!(error instanceof LedgerRefusal) || error.reason !== 'grant_conflict') throw error;
      output.print(
        `Org '${grant.orgId}': the config's credits were granted once, at an earlier start, with another amount; ` +
          `${grant.credits} is not granted again (grant more with \`meridian credits grant\` or the credits API).`,
      );
    }
  }
}

async function ensureAdminKey(
  fixedSecret: string | undefined,
  keys: ServingKeyService,
  print: (line: string) => void,
): Promise<void> {
  if (fixedSecret !== undefined && fixedSecret !== '') {
    await ensureFixedKey({
      keys,
      print,
      settings: { orgId: defaultOrgId, name: 'admin', role: 'admin' },
      secret: fixedSecret,
    });
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
 * Creates a key with an operator-fixed secret, and the entry's settings (limit and reset), unless it exists: like a
 * generated key, it is created once, and later changes go through the API or CLI. A fixed key that was revoked stays
 * revoked: its digest is taken, so creation fails and is reported, not retried.
 */
async function ensureFixedKey(input: {
  readonly keys: ServingKeyService;
  readonly print: (line: string) => void;
  readonly settings: Omit<CreateKeyInput, 'secret'>;
  readonly secret: string;
}): Promise<void> {
  if ((await input.keys.authenticate(input.secret)) !== undefined) return;
  const { orgId, name } = input.settings;
  try {
    await input.keys.createKey({ ...input.settings, secret: input.secret });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    input.print(
      `Key '${name}' of org '${orgId}' from the config was revoked; it stays revoked (set a new secret to replace it).`,
    );
  }
}

function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed: api_keys\.digest/.test(error.message);
}
