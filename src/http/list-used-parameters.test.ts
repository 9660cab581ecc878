import { describe, expect, it } from 'vitest';
import { requestParameterNames } from '../catalog/catalog-schema.js';
import { parseRequest as parseAnthropicRequest } from '../protocols/anthropic-messages/inbound/parse-request.js';
import { parseRequest as parseOpenAiRequest } from '../protocols/openai-chat/inbound/parse-request.js';
import { listInputModalities, listUsedParameters } from './list-used-parameters.js';

const messages = [{ role: 'user', content: 'hi' }];
const tools = [{ type: 'function', function: { name: 'w', parameters: { type: 'object' } } }];

/** Every parameter the canonical request models, as an OpenAI client sets it. */
const modelled = {
  max_tokens: 5,
  temperature: 0.2,
  top_p: 0.9,
  stop: ['x'],
  seed: 7,
  presence_penalty: 0.1,
  frequency_penalty: 0.1,
  tools,
  tool_choice: 'auto',
  parallel_tool_calls: false,
  response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
};

function usedByOpenAi(body: Record<string, unknown>): string[] {
  return [...listUsedParameters(parseOpenAiRequest({ model: 'a/b', messages, ...body }).request)].sort();
}

describe('listUsedParameters', () => {
  it('names nothing for a bare request', () => {
    expect(usedByOpenAi({})).toEqual([]);
  });

  it('names the modelled parameters an OpenAI client set, in OpenRouter names', () => {
    expect(usedByOpenAi(modelled)).toEqual([
      'frequency_penalty',
      'max_tokens',
      'parallel_tool_calls',
      'presence_penalty',
      'response_format',
      'seed',
      'stop',
      'structured_outputs',
      'temperature',
      'tool_choice',
      'tools',
      'top_p',
    ]);
  });

  it('names JSON mode as response_format only, not structured_outputs', () => {
    expect(usedByOpenAi({ response_format: { type: 'json_object' } })).toEqual(['response_format']);
  });

  it('names the sampling and logprob parameters forwarded as written, unless they ask for nothing', () => {
    expect(
      usedByOpenAi({
        logprobs: true,
        top_logprobs: 2,
        logit_bias: { '50256': -100 },
        min_p: 0.1,
        repetition_penalty: 1.1,
      }),
    ).toEqual(['logit_bias', 'logprobs', 'min_p', 'repetition_penalty', 'top_logprobs']);
    expect(usedByOpenAi({ logprobs: false, top_logprobs: null })).toEqual([]);
  });

  it("names an Anthropic client's top_k", () => {
    const parsed = parseAnthropicRequest({ model: 'a/b', max_tokens: 10, messages, top_k: 5 });
    expect([...listUsedParameters(parsed.request)].sort()).toEqual(['max_tokens', 'top_k']);
  });

  it('names only parameters a catalog entry can declare', () => {
    const used = usedByOpenAi({
      ...modelled,
      reasoning: { effort: 'low' },
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '1': 1 },
      min_p: 0.1,
      top_a: 0.1,
      repetition_penalty: 1.1,
    });
    const declarable: readonly string[] = requestParameterNames;
    expect(used.filter((name) => !declarable.includes(name))).toEqual([]);
  });
});

describe('listInputModalities', () => {
  const openAiUser = (content: unknown[]) => [
    ...listInputModalities(parseOpenAiRequest({ model: 'a/b', messages: [{ role: 'user', content }] }).request),
  ];

  it('names nothing for text', () => {
    expect(openAiUser([{ type: 'text', text: 'hi' }])).toEqual([]);
  });

  it("names an OpenAI client's image, audio and file parts", () => {
    expect(
      openAiUser([
        { type: 'text', text: 'hi' },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,AAAA', filename: 'a.pdf' } },
      ]),
    ).toEqual(['image', 'audio', 'file']);
  });

  it("names an Anthropic client's image and document blocks, and not images in earlier assistant turns", () => {
    const parsed = parseAnthropicRequest({
      model: 'a/b',
      max_tokens: 10,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hello' } },
          ],
        },
        { role: 'assistant', content: 'ok' },
      ],
    });
    expect([...listInputModalities(parsed.request)]).toEqual(['image', 'file']);
  });
});
