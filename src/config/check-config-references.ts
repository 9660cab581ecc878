import { z } from 'zod';
import { redisUrlSchema } from './cluster-schema.js';
import { kebabId, keyNameSchema, storageRedisSchema } from './config-schema.js';

/** A cross-reference problem: the path of the value at fault and what is wrong with it. */
export interface ReferenceIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

const orgReference = z.looseObject({ id: kebabId });
const keyOrgReference = z.looseObject({ org: kebabId });
const keyReference = z.looseObject({ org: kebabId, name: keyNameSchema });
const providerReference = z.looseObject({ id: z.string() });
const endpointReference = z.looseObject({ provider: z.string() });
/** A model's id and each endpoint's provider, an unreadable endpoint kept as undefined (its index still counts). */
const modelReference = z.looseObject({
  id: z.string(),
  endpoints: z
    .array(z.unknown())
    .transform((endpoints) => endpoints.map((endpoint) => endpointReference.safeParse(endpoint).data))
    .optional(),
});
const adminSecretReference = z.looseObject({ key: z.string().optional() });
const keySecretReference = z.looseObject({ key: z.string().optional() });
const cacheReference = z.looseObject({ shared: z.boolean().optional() });
const storageReference = z.looseObject({ redis: storageRedisSchema });
const redisReference = z.looseObject({ url: redisUrlSchema });

/**
 * Cross-references zod cannot see: every key's org exists (the built-in `default` org always does); no org, and no key
 * of one org, is written twice (the bootstrap would apply one and ignore the other); Redis is named once, and a redis
 * section or a cache asked to be shared has a Redis server to use.
 *
 * Reads the interpolated file, not the validated one, so these are reported in the same pass as schema errors: each
 * check runs when the values it reads are valid (an invalid org id hides the unknown-org check, and nothing else).
 */
export function checkConfigReferences(file: unknown, builtInProviderIds?: ReadonlySet<string>): ReferenceIssue[] {
  const root = isRecord(file) ? file : {};
  const orgs = readEntries(root['orgs'], orgReference);
  const keys = readEntries(root['keys'], keyReference);
  const keyOrgs = readEntries(root['keys'], keyOrgReference);
  return [
    ...checkOrgs(orgs),
    ...checkKeyOrgs(keyOrgs, orgs),
    ...checkRepeatedKeys(keys),
    ...checkKeySecrets(root),
    ...checkRedis(root),
    ...checkCatalogEntries(root, builtInProviderIds),
  ];
}

/**
 * No provider or model is written twice in the file (the second would silently merge into, or replace, the first);
 * with the built-in provider ids, every endpoint of a model names a provider that exists (the catalog would refuse the
 * first one only, once the rest of the file was valid).
 */
function checkCatalogEntries(
  root: Readonly<Record<string, unknown>>,
  builtInProviderIds: ReadonlySet<string> | undefined,
): ReferenceIssue[] {
  const providers = readEntries(root['providers'], providerReference);
  const models = readEntries(root['models'], modelReference);
  const repeated = (list: readonly ({ id: string } | undefined)[] | undefined, section: string, noun: string) =>
    findRepeats(list?.map((entry) => entry?.id) ?? []).map((index) => ({
      path: [section, index, 'id'],
      message: `${noun} '${list![index]!.id}' is defined twice`,
    }));
  const issues = [...repeated(providers, 'providers', 'provider'), ...repeated(models, 'models', 'model')];
  if (builtInProviderIds === undefined || providers === undefined || providers.includes(undefined)) return issues;
  const providerIds = new Set([...builtInProviderIds, ...providers.map((provider) => provider!.id)]);
  const unknown = (models ?? []).flatMap((model, modelIndex) =>
    (model?.endpoints ?? []).flatMap((endpoint, endpointIndex) =>
      endpoint === undefined || providerIds.has(endpoint.provider)
        ? []
        : [
            {
              path: ['models', modelIndex, 'endpoints', endpointIndex, 'provider'],
              message: `model ${model!.id} names provider '${endpoint.provider}', which is not defined`,
            },
          ],
    ),
  );
  return [...issues, ...unknown];
}

/** Each entry as `schema` reads it (undefined where it does not); undefined when the list itself is not a list. */
function readEntries<T>(list: unknown, schema: z.ZodType<T>): (T | undefined)[] | undefined {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  return list.map((entry: unknown) => {
    const parsed = schema.safeParse(entry);
    return parsed.success ? parsed.data : undefined;
  });
}

function checkOrgs(orgs: readonly ({ id: string } | undefined)[] | undefined): ReferenceIssue[] {
  return findRepeats(orgs?.map((org) => org?.id) ?? []).map((index) => ({
    path: ['orgs', index, 'id'],
    message: `org '${orgs![index]!.id}' is defined twice`,
  }));
}

/** Only when every org id is readable: an org whose id is invalid may be the one a key names. */
function checkKeyOrgs(
  keys: readonly ({ org: string } | undefined)[] | undefined,
  orgs: readonly ({ id: string } | undefined)[] | undefined,
): ReferenceIssue[] {
  if (keys === undefined || orgs === undefined || orgs.includes(undefined)) return [];
  const orgIds = new Set(['default', ...orgs.map((org) => org!.id)]);
  return keys.flatMap((key, index) =>
    key === undefined || orgIds.has(key.org)
      ? []
      : [{ path: ['keys', index, 'org'], message: `org '${key.org}' is not defined under orgs` }],
  );
}

function checkRepeatedKeys(keys: readonly ({ org: string; name: string } | undefined)[] | undefined): ReferenceIssue[] {
  const names = keys?.map((key) => (key === undefined ? undefined : JSON.stringify([key.org, key.name]))) ?? [];
  return findRepeats(names).map((index) => ({
    path: ['keys', index, 'name'],
    message: `key '${keys![index]!.name}' of org '${keys![index]!.org}' is defined twice`,
  }));
}

/**
 * Each fixed secret opens one key: the bootstrap would skip a key whose secret already opens another (the admin key or
 * an earlier entry), leaving it uncreated without a word. The message names the other entry, never the secret.
 */
function checkKeySecrets(root: Readonly<Record<string, unknown>>): ReferenceIssue[] {
  const admin = adminSecretReference.safeParse(readSection(root, 'admin'));
  const owners = new Map<string, string>();
  if (admin.success && admin.data.key !== undefined && admin.data.key !== '') owners.set(admin.data.key, 'admin.key');
  const keys = readEntries(root['keys'], keySecretReference) ?? [];
  return keys.flatMap((entry, index) => {
    if (entry?.key === undefined || entry.key === '') return [];
    const owner = owners.get(entry.key);
    if (owner === undefined) {
      owners.set(entry.key, `keys[${index}]`);
      return [];
    }
    return [{ path: ['keys', index, 'key'], message: `is the secret of ${owner} too; each key needs its own` }];
  });
}

/** `storage.redis` and `redis.url` name one server; `redis:` and `cache.shared: true` need one. */
function checkRedis(root: Readonly<Record<string, unknown>>): ReferenceIssue[] {
  const storage = storageReference.safeParse(readSection(root, 'storage'));
  const redis = redisReference.safeParse(readSection(root, 'redis'));
  if (!storage.success || !redis.success) return [];
  const fromStorage = storage.data.redis;
  const fromBlock = redis.data.url;
  if (fromStorage !== undefined && fromBlock !== undefined && fromStorage !== fromBlock) {
    return [{ path: ['redis', 'url'], message: 'names another server than storage.redis; give the Redis URL once' }];
  }
  const hasUrl = fromStorage !== undefined || fromBlock !== undefined;
  const issues: ReferenceIssue[] = [];
  if (!hasUrl && root['redis'] !== undefined) {
    issues.push({ path: ['redis'], message: 'the redis section needs a URL (redis.url or storage.redis)' });
  }
  const cache = cacheReference.safeParse(readSection(root, 'cache'));
  if (!hasUrl && cache.success && cache.data.shared === true) {
    issues.push({ path: ['cache', 'shared'], message: 'a shared cache needs Redis (redis.url or storage.redis)' });
  }
  return issues;
}

/** Indexes of the values that already appeared earlier in the list (unreadable entries are skipped). */
function findRepeats(values: readonly (string | undefined)[]): number[] {
  const seen = new Set<string>();
  return values.flatMap((value, index) => {
    if (value === undefined) return [];
    if (seen.has(value)) return [index];
    seen.add(value);
    return [];
  });
}

/** A section as written; an absent one reads as empty (a `null` one stays null: the schema reports it). */
function readSection(root: Readonly<Record<string, unknown>>, name: string): unknown {
  return root[name] === undefined ? {} : root[name];
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
