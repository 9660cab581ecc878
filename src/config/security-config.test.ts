import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

const directory = mkdtempSync(join(tmpdir(), 'meridian-security-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function load(text: string) {
  const path = join(directory, 'meridian.yaml');
  writeFileSync(path, text);
  return { path, load: () => loadConfig({ path, cwd: '/', env: {} }) };
}

describe('security.outbound_allow', () => {
  it('defaults to nothing and keeps the entries as written', () => {
    expect(load('server: { port: 1 }\n').load().config.security).toEqual({ outboundAllow: [] });
    const entries = ['10.0.0.0/8', '127.0.0.1:11434', '[::1]:8080', 'ollama.internal:11434', 'vllm.lan'];
    const { config } = load(`security:\n  outbound_allow: ${JSON.stringify(entries)}\n`).load();
    expect(config.security.outboundAllow).toEqual(entries);
  });

  it('stops the start at a malformed entry, naming it and its line', () => {
    const { path, load: run } = load(
      'security:\n  outbound_allow:\n    - 10.0.0.0/8\n    - "10.0.0.1/8"\n    - "127.0.0.1:99999"\n',
    );
    let issues: readonly unknown[] = [];
    try {
      run();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues = error.issues;
    }
    expect(issues).toEqual([
      {
        path: 'security.outbound_allow[1]',
        location: `${path}:4:7`,
        message: 'not a valid address or CIDR block (IPv4 in dotted decimal, no host bits past the prefix).',
      },
      {
        path: 'security.outbound_allow[2]',
        location: `${path}:5:7`,
        message: 'the port is not a number from 1 to 65535.',
      },
    ]);
  });
});
