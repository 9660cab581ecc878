import OpenAI from 'openai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrintedAdminKey, startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

// Routing by what the request needs (provider.require_parameters, input kinds) against the built-in catalog's own
// declarations (the sandbox's), end to end.
const directory = mkdtempSync(join(tmpdir(), 'meridian-request-needs-'));
let gateway: GatewayProcess;
let client: OpenAI;
let adminKey: string;

beforeAll(async () => {
  gateway = await startGatewayProcess({ directory });
  adminKey = readPrintedAdminKey(gateway.output)!;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: adminKey, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.stop();
  rmSync(directory, { recursive: true, force: true });
});

const base = { model: 'meridian/sandbox-chat', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 50 };
const requireAll = { provider: { require_parameters: true } };

describe('provider.require_parameters on the built-in catalog', () => {
  it('serves a JSON-schema answer from a model that declares structured_outputs', async () => {
    const completion = await client.chat.completions.create({
      ...base,
      ...requireAll,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
      },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(Object.keys(JSON.parse(completion.choices[0]!.message.content!) as object)).toEqual(['ok']);
  });

  it('serves parallel_tool_calls: false with one tool call', async () => {
    const tool = (name: string) => ({
      type: 'function' as const,
      function: { name, parameters: { type: 'object', properties: {} } },
    });
    const completion = await client.chat.completions.create({
      ...base,
      ...requireAll,
      tools: [tool('first'), tool('second')],
      parallel_tool_calls: false,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(
      completion.choices[0]!.message.tool_calls?.map((call) => (call as { function: { name: string } }).function.name),
    ).toEqual(['first']);
  });

  it('refuses logprobs the model does not declare, naming it, and serves them without require_parameters', async () => {
    const refused = await client.chat.completions
      .create({ ...base, ...requireAll, logprobs: true } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: 'no_available_provider',
      message:
        "No provider can serve this request under its routing controls. Model 'meridian/sandbox-chat': require_parameters excluded sandbox (logprobs unsupported).",
    });
    const served = await client.chat.completions.create({ ...base, logprobs: true });
    expect(served.choices).toHaveLength(1);
  });
});

describe('input kinds', () => {
  const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };

  it('refuses an image for a text-only model with 400 naming the model, in each client protocol', async () => {
    const refused = await client.chat.completions
      .create({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] }] })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: 'invalid_request',
      param: 'messages',
      message:
        "No model named takes this request's input. Model 'meridian/sandbox-chat': input_modalities excluded sandbox (no image input).",
    });
    const anthropic = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': adminKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'meridian/sandbox-chat',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }],
          },
        ],
      }),
    });
    expect(anthropic.status).toBe(400);
    expect(await anthropic.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', code: 'invalid_request' },
    });
  });
});
