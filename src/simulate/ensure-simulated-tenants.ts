import type { KeyService } from '../keys/index.js';
import type { KeyRecord, Storage } from '../storage/index.js';
import type { SimulatedApp } from './simulated-apps.js';
import { simulatedOrgPrefix } from './simulated-apps.js';

/**
 * Creates the apps' orgs and keys the way the management API does (`ensureOrg`, the key service: a random secret,
 * stored only as its digest, shown to no one), reusing those a previous run created. Returns the keys by name.
 */
export function ensureSimulatedTenants(input: {
  readonly storage: Storage;
  readonly keys: KeyService;
  readonly apps: readonly SimulatedApp[];
  readonly createdAtMs: number;
}): ReadonlyMap<string, KeyRecord> {
  const keysByName = new Map<string, KeyRecord>();
  for (const app of input.apps) {
    if (!app.orgId.startsWith(simulatedOrgPrefix)) throw new Error(`simulated org '${app.orgId}' lacks the prefix`);
    input.storage.orgs.ensureOrg({
      id: app.orgId,
      name: app.orgName,
      createdAtMs: input.createdAtMs,
      markupBasisPoints: app.markupBasisPoints,
    });
    for (const name of app.keyNames) {
      if (keysByName.has(name)) continue;
      const existing = input.keys
        .listKeys(app.orgId)
        .find((record) => record.name === name && record.revokedAtMs === null && !record.isDisabled);
      keysByName.set(name, existing ?? input.keys.createKey({ orgId: app.orgId, name, role: 'member' }).record);
    }
  }
  return keysByName;
}

/**
 * Orgs that already have traffic (anything charged or held), split into simulated ones and the others. Demo
 * traffic added to a real deployment's would show in its barometer, so the command refuses unless told otherwise.
 */
export function findOrgsWithTraffic(storage: Storage): { readonly real: string[]; readonly simulated: string[] } {
  const real: string[] = [];
  const simulated: string[] = [];
  for (const org of storage.orgs.listOrgs()) {
    const balance = storage.ledger.balance(org.id);
    if (balance.chargedNanos === 0n && balance.heldNanos === 0n) continue;
    (org.id.startsWith(simulatedOrgPrefix) ? simulated : real).push(org.id);
  }
  return { real, simulated };
}
