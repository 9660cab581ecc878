import { createHash } from 'node:crypto';
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
 *
 * `generatedKeys: 'defer'` (CLI commands other than `serve`) leaves keys whose secret would be generated, the admin
 * key among them, to the next `serve`: a secret shown once must not go to the stderr of `keys list 2>/dev/null`.
 */
export async function bootstrapKeys(input: {
  readonly config: MeridianConfig;
  readonly storage: Pick<ServingStorage, 'orgs' | 'ledger'>;
  readonly keys: ServingKeyService;
  readonly print: (line: string) => void;
  readonly now: () => number;
  readonly generatedKeys?: 'create' | 'defer';
}): Promise<void> {
  const isGenerating = input.generatedKeys !== 'defer';
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
  await ensureAdminKey({ fixedSecret: config.admin.key, keys, print, isGenerating });
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
    if (!isGenerating || (await keys.listKeys(entry.org)).some((record) => record.name === entry.name)) continue;
    // An id derived from the org and the name: of nodes starting together on one database, one creates the key and the
    // others' inserts fail on its id, instead of each creating (and printing) a key of its own.
    const created = await createOnce(() => keys.createKey({ ...settings, id: configKeyId(entry.org, entry.name) }));
    if (created !== undefined) {
      print(`Key '${entry.name}' for org '${entry.org}' (shown once, store it now): ${created.secret}`);
    }
  }
}

/** The id of the key the config names `name` in `org`: the same on every node. */
export function configKeyId(orgId: string, name: string): string {
  return `key_cfg_${createHash('sha256').update(`${orgId}\0${name}`).digest('hex').slice(0, 16)}`;
}

/** The created key, or undefined when another node created it first (its id was taken). */
async function createOnce<T>(create: () => Promise<T> | T): Promise<T | undefined> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof Error && /UNIQUE constraint failed: api_keys\.id/.test(error.message)) return undefined;
    throw error;
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

/** The admin key: the config's fixed secret, else one generated and printed once (only when `isGenerating`). */
async function ensureAdminKey(input: {
  readonly fixedSecret: string | undefined;
  readonly keys: ServingKeyService;
  readonly print: (line: string) => void;
  readonly isGenerating: boolean;
}): Promise<void> {
  const { fixedSecret, keys, print } = input;
  if (fixedSecret !== undefined && fixedSecret !== '') {
    await ensureFixedKey({
      keys,
      print,
      settings: { orgId: defaultOrgId, name: 'admin', role: 'admin' },
      secret: fixedSecret,
    });
    return;
  }
  if (!input.isGenerating) return;
  const admins = (await keys.listKeys(defaultOrgId)).filter((record) => record.role === 'admin');
  const existing = admins.find((record) => record.revokedAtMs === null);
  if (existing !== undefined) {
    print(
      `Admin key: ${existing.displayPrefix}...${existing.lastFour} (created earlier; the secret was shown once then)`,
    );
    return;
  }
  // Numbered by the admin keys there were (all revoked): nodes starting together agree on it, and a start after the
  // operator revoked the last one still gets a new one.
  const id = configKeyId(defaultOrgId, `admin#${admins.length}`);
  const created = await createOnce(() => keys.createKey({ orgId: defaultOrgId, name: 'admin', role: 'admin', id }));
  if (created !== undefined) print(`Admin key (shown once, store it now): ${created.secret}`);
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
    // Another node starting at the same time may have created it a moment ago: then it is live, not revoked.
    if ((await input.keys.authenticate(input.secret)) !== undefined) return;
    input.print(
      `Key '${name}' of org '${orgId}' from the config was revoked; it stays revoked (set a new secret to replace it).`,
    );
  }
}

function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed: api_keys\.digest/.test(error.message);
}
