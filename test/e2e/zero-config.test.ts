import OpenAI from 'openai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPrintedAdminKey, startGatewayProcess } from '../support/start-gateway-process.js';

const directory = mkdtempSync(join(tmpdir(), 'meridian-zero-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The sandbox's fictional prices (src/catalog/vendors/sandbox.json), nano-USD per token. */
const promptNanosPerToken = 100n;
const completionNanosPerToken = 400n;

function expectedCost(prompt: number, completion: number): number {
  return Number(BigInt(prompt) * promptNanosPerToken + BigInt(completion) * completionNanosPerToken) / 1e9;
}

describe('zero-config start', () => {
  it('prints an admin key once, answers sandbox completions with exact usage and cost, and keeps the key across restarts', async () => {
    const first = await startGatewayProcess({ directory });
    const adminKey = readPrintedAdminKey(first.output);
    expect(adminKey).toMatch(/^sk-mer-v1-[0-9A-Za-z]{38}$/);
    try {
      const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: adminKey!, maxRetries: 0 });
      const request = {
        model: 'meridian/sandbox-chat',
        messages: [{ role: 'user' as const, content: 'Tell me about gateways' }],
      };
      const completion = await client.chat.completions.create(request);
      const usage = completion.usage!;
      expect(usage.prompt_tokens).toBe(10); // "Tell me about gateways" = 4 tokens, + 3 for the one message, + 3 for the reply
      expect((usage as unknown as { cost: number }).cost).toBe(
        expectedCost(usage.prompt_tokens, usage.completion_tokens),
      );
      const stream = await client.chat.completions.create({
        ...request,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let streamedUsage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        streamedUsage = chunk.usage ?? streamedUsage;
      }
      expect(text).toBe(completion.choices[0]!.message.content);
      expect(streamedUsage?.completion_tokens).toBe(usage.completion_tokens);
      expect(streamedUsage?.prompt_tokens).toBe(usage.prompt_tokens);
    } finally {
      await first.stop();
    }
    const second = await startGatewayProcess({ directory });
    try {
      expect(readPrintedAdminKey(second.output)).toBeUndefined();
      expect(second.output.join('')).toContain('created earlier');
      const response = await fetch(`${second.url}/api/v1/keys`, { headers: { authorization: `Bearer ${adminKey!}` } });
      expect(response.status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('answers sandbox embeddings with exact usage and cost, in float and in the SDK’s default base64', async () => {
    const embeddingsDirectory = mkdtempSync(join(tmpdir(), 'meridian-zero-embed-'));
    const gateway = await startGatewayProcess({ directory: embeddingsDirectory });
    try {
      const client = new OpenAI({
        baseURL: `${gateway.url}/v1`,
        apiKey: readPrintedAdminKey(gateway.output)!,
        maxRetries: 0,
      });
      const input = ['Tell me about gateways', 'hi'];
      const asFloats = await client.embeddings.create({
        model: 'meridian/sandbox-embed',
        input,
        encoding_format: 'float',
      });
      // The SDK asks for base64 by default and decodes it to float32 values.
      const asDefault = await client.embeddings.create({ model: 'meridian/sandbox-embed', input, dimensions: 256 });
      expect(asDefault.data.map((item) => item.embedding)).toEqual(
        asFloats.data.map((item) => item.embedding.map((value) => Math.fround(value))),
      );
      expect(asFloats.data.map((item) => item.embedding.length)).toEqual([256, 256]);
      // "Tell me about gateways" = 4 tokens, "hi" = 1; 0.02 USD per 1M tokens = 20 nano-USD each.
      expect(asFloats.usage).toMatchObject({ prompt_tokens: 5, total_tokens: 5, cost: 100e-9 });
    } finally {
      await gateway.stop();
      rmSync(embeddingsDirectory, { recursive: true, force: true });
    }
  });
});
