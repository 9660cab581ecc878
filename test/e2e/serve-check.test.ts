import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess } from '../support/start-gateway-process.js';

/** `meridian serve --check`: validates the config and its catalog without opening storage or a port. */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const directory = mkdtempSync(join(tmpdir(), 'meridian-check-'));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function check(
  yaml: string,
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = join(directory, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return run(process.execPath, [mainPath, 'serve', '--check', '--config', path], {
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('meridian serve --check', () => {
  it('accepts a valid config and says what it would serve, creating nothing', async () => {
    const result = await check(`data_dir: "${join(directory, 'data')}"\nsandbox: { enabled: true }\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Config is valid: \d+ models, \d+ providers\.\n$/);
    expect(existsSync(join(directory, 'data'))).toBe(false);
  });

  it('refuses a model naming an undefined provider, with the file position, and exits 1', async () => {
    const result = await check(
      [
        'sandbox: { enabled: true }',
        'models:',
        '  - id: x/y',
        '    name: Y',
        '    author: x',
        '    origin: US',
        '    context_length: 1000',
        '    endpoints: [{ provider: nope, model: y, pricing: { prompt: "1", completion: "1" } }]',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /\.yaml:8:29: models\[0\]\.endpoints\[0\]\.provider: model x\/y names provider 'nope', which is not defined/,
    );
  });

  it('refuses a malformed MERIDIAN_MASTER_KEYS before a start would, without echoing it', async () => {
    const secret = 'k1:not-base64-and-too-short';
    const result = await check('sandbox: { enabled: true }\n', { MERIDIAN_MASTER_KEYS: secret });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MERIDIAN_MASTER_KEYS');
    expect(result.stderr).not.toContain('not-base64-and-too-short');
  });

  it('warns of an alias whose target no model serves, with its line, and still exits 0', async () => {
    const result = await check(
      [
        'sandbox: { enabled: true }',
        'aliases:',
        '  chat: meridian/sandbox-chat',
        '  typo: meridian/sandbox-chatt',
        '  nokey: deepseek/deepseek-v3.2',
        '',
      ].join('\n'),
      { DEEPSEEK_API_KEY: '' },
    );
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(1)).toEqual([
      expect.stringMatching(
        /^warning: .*\.yaml:4:3: alias 'typo' → 'meridian\/sandbox-chatt' names no model of the config or the built-in catalog, and no passthrough provider \(calls get 404 model_not_found\)$/,
      ),
      expect.stringMatching(
        /^warning: .*\.yaml:5:3: alias 'nokey' → 'deepseek\/deepseek-v3.2' names a model none of whose providers is enabled/,
      ),
      '',
    ]);
  });
});

describe('MERIDIAN_LOG_LEVEL', () => {
  it('refuses a level the logger does not have, in the check as at start', async () => {
    const result = await check('sandbox: { enabled: true }\n', { MERIDIAN_LOG_LEVEL: 'debug' });
    expect([result.code, result.stdout, result.stderr]).toEqual([
      1,
      '',
      "meridian: MERIDIAN_LOG_LEVEL must be one of info, warn, error, silent; got 'debug'.\n",
    ]);
  });

  it('warn keeps warnings and drops the request lines', async () => {
    const gateway = await startGatewayProcess({
      configYaml: 'server: { host: 127.0.0.1, port: 0 }\ndata_dir: "{{dir}}"\nsandbox: { enabled: true }\n',
      env: { MERIDIAN_LOG_LEVEL: 'warn' },
    });
    try {
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        200,
      );
    } finally {
      await gateway.stop();
      gateway.cleanup();
    }
    const events = gateway.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual([]);
  });
});

describe('SIGHUP', () => {
  it('does not stop the node (the config is not reloaded): it logs why and keeps serving', async () => {
    const gateway = await startGatewayProcess({
      configYaml: 'server: { host: 127.0.0.1, port: 0 }\ndata_dir: "{{dir}}"\nsandbox: { enabled: true }\n',
      env: { MERIDIAN_LOG_LEVEL: 'warn' },
    });
    try {
      gateway.child.kill('SIGHUP');
      for (
        let attempt = 0;
        attempt < 200 && !gateway.output.join('').includes('config_reload_unsupported');
        attempt += 1
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(gateway.child.exitCode).toBeNull();
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      const line = gateway.output
        .join('')
        .split('\n')
        .find((candidate) => candidate.includes('config_reload_unsupported'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        level: 'warn',
        event: 'config_reload_unsupported',
        signal: 'SIGHUP',
      });
    } finally {
      await gateway.stop();
      gateway.cleanup();
    }
  });
});

describe('meridian serve on a port already taken', () => {
  it('says so in one line and exits 1, instead of a stack trace or a process that never ends', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const result = await run(process.execPath, [mainPath, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
        cwd: directory,
        env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_CONFIG: '' },
        timeout: 30_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      expect(result).toEqual({
        code: 1,
        stderr: `meridian: 127.0.0.1:${port} is already in use: stop what listens there, or pick another port (--port, server.port).\n`,
      });
    } finally {
      taken.close();
    }
  });
});
