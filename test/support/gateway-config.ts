/** A fixed admin secret for tests (≥ 20 characters; operators may set any such string). */
export const testAdminKey = 'test-admin-key-0123456789abcdef';
/** A fixed member key of the second org. */
export const otherOrgKey = 'other-org-key-0123456789abcdef';

/** Gateway config routing `test/fake-model` to a fake upstream; `{{dir}}` becomes the temp directory. */
export function createGatewayConfig(fakeBaseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: true, latency_scale: 0 }
providers:
  - id: fake-openai
    protocol: openai
    base_url: ${fakeBaseUrl}
    api_key: test-upstream-secret
    openai: { max_tokens_field: max_tokens, reasoning_field: reasoning_content, stream_options: true }
  - id: fake-anthropic
    protocol: anthropic
    base_url: ${fakeBaseUrl}
    api_key: test-anthropic-secret
  - id: fake-gemini
    protocol: gemini
    base_url: ${fakeBaseUrl}
    api_key: test-gemini-secret
models:
  - id: test/fake-model
    name: Fake Model
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: fake-openai
        model: fake-upstream-model
        pricing: { prompt: "0.28", completion: "0.42", cache_read: "0.028" }
  - id: test/fake-limited
    name: Fake Limited
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: fake-openai
        model: fake-limited-model
        pricing: { prompt: "0.28", completion: "0.42" }
  - id: test/fake-claude
    name: Fake Claude
    author: test
    origin: US
    context_length: 200000
    endpoints:
      - provider: fake-anthropic
        model: fake-claude-model
        pricing: { prompt: "0.28", completion: "0.42", cache_read: "0.028" }
  - id: test/fake-gemini
    name: Fake Gemini
    author: test
    origin: US
    context_length: 1048576
    endpoints:
      - provider: fake-gemini
        model: fake-gemini-model
        pricing: { prompt: "0.28", completion: "0.42", cache_read: "0.028" }
  - id: test/fake-embed
    name: Fake Embed
    author: test
    origin: US
    context_length: 8192
    output_modalities: [embeddings]
    endpoints:
      - provider: fake-openai
        model: fake-embed-model
        pricing: { prompt: "0.02", completion: "0" }
orgs:
  - id: other
    name: Other Org
    credits: "5.00"
keys:
  - org: other
    name: other-ci
    key: "${otherOrgKey}"
`;
}

/** Creates a member key through the management API. */
export async function createMemberKey(gatewayUrl: string, name: string): Promise<{ key: string; id: string }> {
  const response = await fetch(`${gatewayUrl}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { key: string; data: { id: string } };
  return { key: body.key, id: body.data.id };
}

/** Reads one generation record as the owner sees it. */
export async function readGeneration(gatewayUrl: string, key: string, id: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${gatewayUrl}/api/v1/generation?id=${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (response.status !== 200) throw new Error(`generation ${id}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: Record<string, unknown> }).data;
}

/** `POST /v1/chat/completions` with this key and body (no check of the answer). */
export function postChat(
  gatewayUrl: string,
  key: string,
  body: Readonly<Record<string, unknown>>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** A small streaming call to the fake model (`max_tokens: 5` keeps its hold small when many run at once). */
export function sendSmallStream(gatewayUrl: string, key: string): Promise<Response> {
  const messages = [{ role: 'user', content: 'hi' }];
  return postChat(gatewayUrl, key, { model: 'test/fake-model', messages, max_tokens: 5, stream: true });
}
