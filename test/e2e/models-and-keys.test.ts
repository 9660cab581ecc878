import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import {
  createGatewayConfig,
  createMemberKey,
  otherOrgKey,
  readGeneration,
  testAdminKey,
} from '../support/gateway-config.js';
import { validateSchema } from '../support/openapi.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

let fake: FakeUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: createGatewayConfig(fake.baseUrl) });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

function call(path: string, key: string | undefined, init: RequestInit = {}) {
  return fetch(`${gateway.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
  });
}

describe('GET /v1/models', () => {
  it.each(['/v1/models', '/api/v1/models'])(
    '%s lists models with OpenRouter pricing, origin and the sandbox label',
    async (path) => {
      const body = (await (await call(path, undefined)).json()) as { object: string; data: Record<string, unknown>[] };
      expect(validateSchema('ListModelsResponse', body)).toEqual([]);
      const fakeModel = body.data.find((model) => model['id'] === 'test/fake-model');
      expect(fakeModel).toMatchObject({
        object: 'model',
        owned_by: 'test',
        author: 'test',
        origin: 'US',
        context_length: 131072,
        is_sandbox: false,
        pricing: { prompt: '0.00000028', completion: '0.00000042', input_cache_read: '0.000000028' },
      });
      const sandbox = body.data.find((model) => model['id'] === 'meridian/sandbox-chat');
      expect(sandbox).toMatchObject({
        is_sandbox: true,
        origin: 'ZZ',
        pricing: { prompt: '0.0000001', completion: '0.0000004' },
      });
      expect(String(sandbox?.['name'])).toContain('simulated');
    },
  );
});

describe('keys', () => {
  it('creating keys needs the admin key; the secret is shown only at creation', async () => {
    const member = await createMemberKey(gateway.url, 'listed');
    const forbidden = await call('/api/v1/keys', member.key, { method: 'POST', body: JSON.stringify({ name: 'x' }) });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    const listing = await (await call('/api/v1/keys', testAdminKey)).text();
    expect(listing).not.toContain(member.key);
    const entry = (JSON.parse(listing) as { data: Record<string, unknown>[] }).data.find(
      (key) => key['id'] === member.id,
    );
    expect(entry).toMatchObject({
      name: 'listed',
      label: `${member.key.slice(0, 14)}...${member.key.slice(-4)}`,
      disabled: false,
      org_id: 'default',
    });
  });

  it('a revoked key gets 401 at once', async () => {
    const member = await createMemberKey(gateway.url, 'revoked');
    expect((await call('/api/v1/generation?id=gen-none', member.key)).status).toBe(404);
    expect((await call(`/api/v1/keys/${member.id}`, testAdminKey, { method: 'DELETE' })).status).toBe(200);
    const after = await call('/api/v1/generation?id=gen-none', member.key);
    expect(after.status).toBe(401);
  });

  it("a key cannot read another org's generation", async () => {
    fake.enqueue({
      kind: 'json',
      body: {
        id: 'x',
        choices: [{ index: 0, message: { role: 'assistant', content: 'mine' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 1 },
      },
    });
    const response = await call('/v1/chat/completions', otherOrgKey, {
      method: 'POST',
      body: JSON.stringify({ model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const id = ((await response.json()) as { id: string }).id;
    expect(await readGeneration(gateway.url, otherOrgKey, id)).toMatchObject({ id, org_id: 'other' });
    const member = await createMemberKey(gateway.url, 'nosy');
    const denied = await call(`/api/v1/generation?id=${id}`, member.key);
    expect(denied.status).toBe(404);
  });
});
