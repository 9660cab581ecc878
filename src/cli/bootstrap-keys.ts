import type { MeridianConfig } from '../config/index.js';
import type { KeyService } from '../keys/index.js';
import type { Storage } from '../storage/index.js';

/** The org every node has; keys created without an org belong to it. */
export const defaultOrgId = 'default';

/**
 * Applies the config's bootstrap (orgs, admin key, fixed keys) idempotently, so
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
  storage.orgs.ensureOrg({ id: defaultOrgId, name: 'Default', createdAtMs: input.now() });
  for (const org of config.orgs) {
    storage.orgs.ensureOrg({ id: org.id, name: org.name ?? org.id, createdAtMs: input.now() });
  }
  ensureAdminKey(config.admin.key, keys, print);
  for (const entry of config.keys) {
    const fixedSecret = entry.key === undefined || entry.key === '' ? undefined : entry.key;
    if (fixedSecret !== undefined) {
      if (keys.authenticate(fixedSecret) === undefined) {
        keys.createKey({ orgId: entry.org, name: entry.name, role: 'member', secret: fixedSecret });
      }
      continue;
    }
    if (keys.listKeys(entry.org).some((record) => record.name === entry.name)) continue;
    const created = keys.createKey({ orgId: entry.org, name: entry.name, role: 'member' });
    print(`Key '${entry.name}' for org '${entry.org}' (shown once, store it now): ${created.secret}`);
  }
}

function ensureAdminKey(fixedSecret: string | undefined, keys: KeyService, print: (line: string) => void): void {
  if (fixedSecret !== undefined && fixedSecret !== '') {
    if (keys.authenticate(fixedSecret) === undefined) {
      keys.createKey({ orgId: defaultOrgId, name: 'admin', role: 'admin', secret: fixedSecret });
    }
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
