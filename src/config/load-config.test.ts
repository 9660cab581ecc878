import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveSqlitePath } from './load-config.js';

const directory = mkdtempSync(join(tmpdir(), 'meridian-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileCount = 0;
function writeConfig(text: string): string {
  fileCount += 1;
  const path = join(directory, `config-${fileCount}.yaml`);
  writeFileSync(path, text);
  return path;
}

function issuesOf(action: () => unknown): { path: string; location: string | undefined; message: string }[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** The shape PRODUCT.md §2 says must be accepted, verbatim. */
const productExample = `server:   { host: 127.0.0.1, port: 8787 }
storage:  { url: "sqlite:./data/meridian.db" }   # or postgres://...; redis: redis://... for cluster mode
admin:    { key: "\${MERIDIAN_ADMIN_KEY}" }
billing:  { currency: USD }
providers:
  - id: deepseek
    protocol: openai            # openai | anthropic | gemini
    base_url: https://api.deepseek.com/v1
    api_key: "\${DEEPSEEK_API_KEY}"
models:
  - id: deepseek/deepseek-v3.2
    name: DeepSeek V3.2
    author: deepseek
    origin: CN
    context_length: 131072
    endpoints:
      - provider: deepseek
        model: deepseek-chat     # the upstream's own model name
        pricing: { prompt: "0.28", completion: "0.42", cache_read: "0.028" }   # per 1M tokens, decimal strings
        # optional: schedule (time-of-day prices), quantization, max_output, data_collection
orgs:                            # optional bootstrap, applied once and idempotently: restarts and several nodes sharing one file never grant twice
  - id: acme
    credits: "25.00"
keys:
  - org: acme
    name: ci
    key: "\${ACME_KEY}"           # optional fixed secret, accepted as given (any string of 20+ characters); else generated and printed once
    limit: "5.00"
    limit_reset: monthly         # daily | weekly | monthly | none
`;

describe('loadConfig', () => {
  it('loads the PRODUCT.md example with its variables set', () => {
    const path = writeConfig(productExample);
    const { config, sourcePath } = loadConfig({
      path,
      cwd: '/',
      env: {
        MERIDIAN_ADMIN_KEY: 'admin-secret-0123456789',
        DEEPSEEK_API_KEY: 'sk-deepseek',
        ACME_KEY: 'acme-ci-secret-0123456789',
      },
    });
    expect(sourcePath).toBe(path);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8787, trustedProxies: [] });
    expect(config.admin.key).toBe('admin-secret-0123456789');
    expect(config.providers[0]).toMatchObject({ id: 'deepseek', protocol: 'openai', api_key: 'sk-deepseek' });
    expect(config.models[0]!.endpoints[0]!.pricing).toEqual({
      prompt: '0.28',
      completion: '0.42',
      cache_read: '0.028',
    });
    expect(config.orgs).toEqual([{ id: 'acme', name: undefined, credits: '25.00' }]);
    expect(config.keys).toEqual([
      { org: 'acme', name: 'ci', key: 'acme-ci-secret-0123456789', limit: '5.00', limitReset: 'monthly' },
    ]);
    expect(resolveSqlitePath(config.storage.url, config.baseDirectory)).toBe(join(directory, 'data', 'meridian.db'));
    expect(config.dataDirectory).toBe(join(directory, 'data'));
  });

  it('loads the PRODUCT.md example with its variables unset (provider off, keys generated)', () => {
    const { config } = loadConfig({ path: writeConfig(productExample), cwd: '/', env: {} });
    expect(config.admin.key).toBeUndefined();
    expect(config.providers[0]!.api_key).toBe('');
    expect(config.keys[0]!.key).toBeUndefined();
  });

  it('runs on defaults with no file, relative to the working directory', () => {
    const loaded = loadConfig({ cwd: directory, env: {} });
    expect(loaded.sourcePath).toBeUndefined();
    expect(loaded.config.server).toEqual({ host: '127.0.0.1', port: 8787, trustedProxies: [] });
    expect(loaded.config.sandbox).toEqual({ enabled: true, latencyScale: 1 });
    expect(loaded.config.dataDirectory).toBe(join(directory, 'data'));
    expect(loaded.config.storage.url).toBe('sqlite:./data/meridian.db');
  });

  it('keeps generation records forever by default, and takes a retention of 7 days or more', () => {
    expect(loadConfig({ cwd: directory, env: {} }).config.storage.generationRetentionDays).toBeUndefined();
    const path = writeConfig('storage: { generation_retention_days: 90 }\n');
    expect(loadConfig({ path, cwd: '/', env: {} }).config.storage.generationRetentionDays).toBe(90);
    const short = writeConfig('storage: { generation_retention_days: 6 }\n');
    expect(issuesOf(() => loadConfig({ path: short, cwd: '/', env: {} }))).toEqual([
      {
        path: 'storage.generation_retention_days',
        location: `${short}:1:39`,
        message: 'Too small: expected number to be >=7',
      },
    ]);
  });

  it('leaves the response cache off by default, and bounds what turns it on', () => {
    expect(loadConfig({ cwd: directory, env: {} }).config.cache).toEqual({
      isEnabled: false,
      ttlSeconds: 300,
      entriesMax: 10_000,
      bytesMax: 64 * 1024 * 1024,
      isShared: false,
    });
    const path = writeConfig('cache: { enabled: true, ttl_seconds: 60, max_entries: 500, max_bytes: 1048576 }\n');
    expect(loadConfig({ path, cwd: '/', env: {} }).config.cache).toEqual({
      isEnabled: true,
      ttlSeconds: 60,
      entriesMax: 500,
      bytesMax: 1_048_576,
      isShared: false,
    });
    const wrong = writeConfig('cache: { enabled: true, ttl_seconds: 0, max_bytes: 100 }\n');
    expect(issuesOf(() => loadConfig({ path: wrong, cwd: '/', env: {} })).map((issue) => issue.path)).toEqual([
      'cache.ttl_seconds',
      'cache.max_bytes',
    ]);
  });

  it('shares the response cache through Redis when there is one, unless told not to; shared needs Redis', () => {
    const redis = 'redis: { url: "redis://127.0.0.1:6379" }\n';
    const shared = (yaml: string): boolean =>
      loadConfig({ path: writeConfig(yaml), cwd: '/', env: {} }).config.cache.isShared;
    expect(shared(`${redis}cache: { enabled: true }\n`)).toBe(true);
    expect(shared('storage: { redis: "redis://127.0.0.1:6379" }\ncache: { enabled: true }\n')).toBe(true);
    expect(shared(`${redis}cache: { enabled: true, shared: false }\n`)).toBe(false);
    const lonely = writeConfig('cache: { enabled: true, shared: true }\n');
    expect(issuesOf(() => loadConfig({ path: lonely, cwd: '/', env: {} }))).toEqual([
      {
        path: 'cache.shared',
        location: `${lonely}:1:33`,
        message: 'a shared cache needs Redis (redis.url or storage.redis)',
      },
    ]);
  });

  it('reads MERIDIAN_CONFIG when no path is given', () => {
    const path = writeConfig('server: { port: 9000 }\n');
    expect(loadConfig({ cwd: '/', env: { MERIDIAN_CONFIG: path } }).config.server.port).toBe(9000);
  });

  it('interpolates defaults, several variables per string and the $${ escape', () => {
    const path = writeConfig(
      'providers:\n  - id: x\n    base_url: "http://${HOST:-127.0.0.1}:${PORT}/v1"\n    api_key: "$${LITERAL}"\n',
    );
    const { config } = loadConfig({ path, cwd: '/', env: { PORT: '8000' } });
    expect(config.providers[0]).toMatchObject({ base_url: 'http://127.0.0.1:8000/v1', api_key: '${LITERAL}' });
  });

  it('reads a variable where a number or a boolean belongs as one, and only when it spells one exactly', () => {
    const path = writeConfig(
      'server:\n  port: ${PORT:-8787}\nsandbox:\n  enabled: "${SANDBOX}"\n  latency_scale: ${SCALE}\n' +
        'redis: { url: "redis://127.0.0.1:6379" }\ncache: { shared: "${SHARED}" }\n',
    );
    const env = { SANDBOX: 'false', SCALE: '0.5', SHARED: 'false' };
    const { config } = loadConfig({ path, cwd: '/', env });
    expect([config.server.port, config.sandbox, config.cache.isShared]).toEqual([
      8787,
      { enabled: false, latencyScale: 0.5 },
      false,
    ]);
    expect(loadConfig({ path, cwd: '/', env: { ...env, PORT: '9000' } }).config.server.port).toBe(9000);
    const wrong = issuesOf(() => loadConfig({ path, cwd: '/', env: { ...env, PORT: '90 00', SANDBOX: 'yes' } }));
    expect(wrong.map((issue) => [issue.path, issue.location?.slice(path.length), issue.message])).toEqual([
      ['server.port', ':2:9', 'Invalid input: expected number, received string'],
      ['sandbox.enabled', ':4:12', 'Invalid input: expected boolean, received string'],
    ]);
    // A number written as a quoted string, with no variable in it, is still the writer's mistake.
    const quoted = writeConfig('server: { port: "8080" }\n');
    expect(issuesOf(() => loadConfig({ path: quoted, cwd: '/', env: {} })).map((issue) => issue.path)).toEqual([
      'server.port',
    ]);
  });

  it("refuses a reference in a form it does not read (the shell's ${VAR-x}, ${VAR?x}) instead of keeping it as text", () => {
    const path = writeConfig(
      'admin: { key: "${ADMIN-fallback-admin-key-0123456789}" }\nproviders:\n' +
        '  - { id: x, protocol: openai, base_url: "http://127.0.0.1:9/v1", api_key: "k-${X_KEY?set it}" }\n',
    );
    const hint =
      'is not a variable reference: write ${VAR}, ${VAR:-default} or ${VAR:?message} (and $${ for a literal ${)';
    expect(issuesOf(() => loadConfig({ path, cwd: '/', env: { ADMIN: 'a', X_KEY: 'b' } }))).toEqual([
      { path: 'admin.key', location: `${path}:1:15`, message: `'\${ADMIN-fallback-admin-key-0123456789}' ${hint}` },
      { path: 'providers[0].api_key', location: `${path}:3:76`, message: `'\${X_KEY?set it}' ${hint}` },
    ]);
  });

  it('reports a required variable with its key and line', () => {
    const path = writeConfig('server: { port: 1 }\nadmin:\n  key: "${ADMIN:?set the admin key}"\n');
    expect(issuesOf(() => loadConfig({ path, cwd: '/', env: {} }))).toEqual([
      {
        path: 'admin.key',
        location: `${path}:3:8`,
        message: 'environment variable ADMIN is required: set the admin key',
      },
    ]);
  });

  it('names a config path that cannot be read, such as a folder', () => {
    expect(issuesOf(() => loadConfig({ path: directory, cwd: '/', env: {} }))).toEqual([
      { path: '(file)', location: undefined, message: `config file ${directory} cannot be read (EISDIR)` },
    ]);
  });

  it('says a file that is not a mapping is the problem, with its position', () => {
    const list = writeConfig('- server\n');
    expect(issuesOf(() => loadConfig({ path: list, cwd: '/', env: {} }))).toEqual([
      { path: '(file)', location: `${list}:1:1`, message: 'Invalid input: expected object, received array' },
    ]);
  });

  it('reports a file whose aliases would expand it without bound as a config error, with its name', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefgh') {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]`);
    }
    const path = writeConfig(`${levels.join('\n')}\n`);
    expect(issuesOf(() => loadConfig({ path, cwd: '/', env: {} }))).toEqual([
      {
        path: '(yaml)',
        location: `${path}:1:1`,
        message: 'Excessive alias count indicates a resource exhaustion attack',
      },
    ]);
  });

  it('names a top-level typo and its line', () => {
    const path = writeConfig('server: { port: 1 }\nprovders: []\n');
    expect(issuesOf(() => loadConfig({ path, cwd: '/', env: {} }))).toEqual([
      { path: 'provders', location: `${path}:2:1`, message: 'Unrecognized key: "provders"' },
    ]);
  });

  it('reports every issue, each with its dotted path and position', () => {
    const path = writeConfig(
      'billing: { currency: EUR }\nproviders:\n  - id: ok\n    base_url: https://a.example/v1\n  - id: bad\n    base_url: not a url\nkeys:\n  - org: ghost\n    name: x\n',
    );
    const issues = issuesOf(() => loadConfig({ path, cwd: '/', env: {} }));
    expect(issues.map((issue) => [issue.path, issue.location])).toEqual([
      ['billing.currency', `${path}:1:22`],
      ['providers[1].base_url', `${path}:6:15`],
      ['keys[0].org', `${path}:8:10`],
    ]);
    expect(issues[0]!.message).toBe('only USD is supported for now');
  });

  it('rejects keys of unknown orgs', () => {
    const path = writeConfig('keys:\n  - org: ghost\n    name: x\n');
    expect(issuesOf(() => loadConfig({ path, cwd: '/', env: {} }))).toEqual([
      { path: 'keys[0].org', location: `${path}:2:10`, message: "org 'ghost' is not defined under orgs" },
    ]);
  });

  it('rejects an org, or a key of one org, written twice', () => {
    const path = writeConfig(
      'orgs:\n  - id: acme\n  - id: beta\n  - id: acme\nkeys:\n  - { org: acme, name: ci }\n  - { org: beta, name: ci }\n' +
        '  - { org: acme, name: ci }\n',
    );
    expect(issuesOf(() => loadConfig({ path, cwd: '/', env: {} }))).toEqual([
      { path: 'orgs[2].id', location: `${path}:4:9`, message: "org 'acme' is defined twice" },
      { path: 'keys[2].name', location: `${path}:8:24`, message: "key 'ci' of org 'acme' is defined twice" },
    ]);
  });

  it('reports unset variables, schema errors and cross-references in one pass', () => {
    const path = writeConfig(
      'server: { port: "80" }\nadmin: { key: "${ADMIN:?set it}" }\norgs:\n  - { id: acme, credits: lots }\n' +
        '  - { id: acme }\nkeys:\n  - { org: ghost, name: ci, limit_reset: hourly }\ncache: { shared: true, ttl_seconds: 0 }\n',
    );
    expect(
      issuesOf(() => loadConfig({ path, cwd: '/', env: {} })).map((issue) => [issue.path, issue.location]),
    ).toEqual([
      ['admin.key', `${path}:2:15`],
      ['server.port', `${path}:1:17`],
      ['orgs[0].credits', `${path}:4:26`],
      ['keys[0].limit_reset', `${path}:7:42`],
      ['cache.ttl_seconds', `${path}:8:37`],
      ['orgs[1].id', `${path}:5:11`],
      ['keys[0].org', `${path}:7:12`],
      ['cache.shared', `${path}:8:18`],
    ]);
  });

  it('skips a cross-reference whose values are invalid: an unreadable org id hides only the unknown-org check', () => {
    const path = writeConfig(
      'orgs:\n  - { id: Acme }\n  - { id: beta }\n  - { id: beta }\nkeys:\n  - { org: ghost, name: x }\n' +
        '  - { org: beta, name: "" }\n  - { org: beta, name: y }\n  - { org: beta, name: y }\n',
    );
    const nameless = writeConfig('keys:\n  - { org: ghost, name: x }\n  - { org: ghost }\n');
    expect(issuesOf(() => loadConfig({ path: nameless, cwd: '/', env: {} })).map((issue) => issue.path)).toEqual([
      'keys[1].name',
      'keys[0].org',
      'keys[1].org',
    ]);
    expect(issuesOf(() => loadConfig({ path, cwd: '/', env: {} })).map((issue) => issue.path)).toEqual([
      'orgs[0].id',
      'keys[1].name',
      'orgs[2].id',
      'keys[3].name',
    ]);
  });

  it('reports a provider or model written twice, and every endpoint naming an unknown provider, with the rest', () => {
    const model = (id: string, providers: string) =>
      `  - { id: ${id}, name: M, author: a, origin: US, context_length: 1000, endpoints: [${providers
        .split(' ')
        .map((provider) => `{ provider: ${provider}, model: m, pricing: { prompt: "1", completion: "1" } }`)
        .join(', ')}] }\n`;
    const path = writeConfig(
      'server: { port: -1 }\nproviders:\n  - { id: local, protocol: openai, base_url: "http://127.0.0.1:9/v1" }\n' +
        '  - { id: local, protocol: openai, base_url: "http://127.0.0.1:10/v1" }\nmodels:\n' +
        model('a/m', 'local deepseek') +
        model('a/m', 'nowhere local elsewhere'),
    );
    const builtInProviderIds = new Set(['deepseek', 'sandbox']);
    const issues = issuesOf(() => loadConfig({ path, cwd: '/', env: {}, builtInProviderIds }));
    expect(issues.map((issue) => [issue.path, issue.location?.slice(path.length), issue.message])).toEqual([
      ['server.port', ':1:17', 'Too small: expected number to be >=0'],
      ['providers[1].id', ':4:11', "provider 'local' is defined twice"],
      ['models[1].id', ':7:11', "model 'a/m' is defined twice"],
      ['models[1].endpoints[0].provider', ':7:94', "model a/m names provider 'nowhere', which is not defined"],
      ['models[1].endpoints[2].provider', ':7:244', "model a/m names provider 'elsewhere', which is not defined"],
    ]);
  });

  it('refuses a fixed key secret used twice, or equal to the admin key, without printing it', () => {
    const secret = 'shared-secret-0123456789';
    const path = writeConfig(
      `admin: { key: "\${ADMIN}" }\nkeys:\n  - { org: default, name: a, key: "${secret}" }\n` +
        `  - { org: default, name: b, key: "${secret}" }\n  - { org: default, name: c, key: "" }\n` +
        '  - { org: default, name: d, key: "" }\n',
    );
    const issues = issuesOf(() => loadConfig({ path, cwd: '/', env: { ADMIN: secret } }));
    expect(issues).toEqual([
      {
        path: 'keys[0].key',
        location: `${path}:3:35`,
        message: 'is the secret of admin.key too; each key needs its own',
      },
      {
        path: 'keys[1].key',
        location: `${path}:4:35`,
        message: 'is the secret of admin.key too; each key needs its own',
      },
    ]);
    const withoutAdmin = issuesOf(() => loadConfig({ path, cwd: '/', env: {} }));
    expect(withoutAdmin.map((issue) => [issue.path, issue.message])).toEqual([
      ['keys[1].key', 'is the secret of keys[0] too; each key needs its own'],
    ]);
  });

  it('names the key and line of a Redis URL given twice, or of a redis section without one', () => {
    const twice = writeConfig(
      'storage: { redis: "redis://127.0.0.1:6379" }\nredis:\n  url: "redis://127.0.0.1:6380"\n',
    );
    expect(issuesOf(() => loadConfig({ path: twice, cwd: '/', env: {} }))).toEqual([
      {
        path: 'redis.url',
        location: `${twice}:3:8`,
        message: 'names another server than storage.redis; give the Redis URL once',
      },
    ]);
    const same = writeConfig(
      'storage: { redis: "redis://127.0.0.1:6379" }\nredis: { url: "redis://127.0.0.1:6379" }\n',
    );
    expect(loadConfig({ path: same, cwd: '/', env: {} }).config.cluster.redis?.url).toBe('redis://127.0.0.1:6379');
    const none = writeConfig('redis:\n  key_prefix: "m:"\ncache: { shared: true }\n');
    expect(issuesOf(() => loadConfig({ path: none, cwd: '/', env: {} }))).toEqual([
      {
        path: 'redis',
        location: `${none}:2:3`,
        message: 'the redis section needs a URL (redis.url or storage.redis)',
      },
      {
        path: 'cache.shared',
        location: `${none}:3:18`,
        message: 'a shared cache needs Redis (redis.url or storage.redis)',
      },
    ]);
  });

  it('rejects a short fixed key and a YAML syntax error with positions', () => {
    const short = writeConfig('admin: { key: "short" }\n');
    expect(issuesOf(() => loadConfig({ path: short, cwd: '/', env: {} }))[0]).toMatchObject({
      path: 'admin.key',
      location: `${short}:1:15`,
    });
    const broken = writeConfig('server: { port: 1\n');
    expect(issuesOf(() => loadConfig({ path: broken, cwd: '/', env: {} }))[0]).toMatchObject({ path: '(yaml)' });
  });
});
