import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

const directory = mkdtempSync(join(tmpdir(), 'meridian-trusted-proxies-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function load(text: string) {
  const path = join(directory, 'meridian.yaml');
  writeFileSync(path, text);
  return { path, load: () => loadConfig({ path, cwd: '/', env: {} }) };
}

describe('server.trusted_proxies', () => {
  it('defaults to nothing and keeps the entries as written', () => {
    expect(load('server: { port: 1 }\n').load().config.server.trustedProxies).toEqual([]);
    const entries = ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'];
    const { config } = load(`server:\n  trusted_proxies: ${JSON.stringify(entries)}\n`).load();
    expect(config.server.trustedProxies).toEqual(entries);
  });

  it('stops the start at an entry that is not an address or CIDR block, naming it and its line', () => {
    const { path, load: run } = load(
      'server:\n  trusted_proxies:\n    - 10.0.0.0/8\n    - "10.0.0.1/8"\n    - proxy.internal\n',
    );
    let issues: readonly unknown[] = [];
    try {
      run();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues = error.issues;
    }
    const message = 'must be an IP address or CIDR block (IPv4 in dotted decimal, no host bits past the prefix)';
    expect(issues).toEqual([
      { path: 'server.trusted_proxies[1]', location: `${path}:4:7`, message },
      { path: 'server.trusted_proxies[2]', location: `${path}:5:7`, message },
    ]);
  });
});
