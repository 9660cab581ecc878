import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message, ReasoningOptions } from '../../../spec/index.js';
import { createTestEndpoint, createTestRequest, readFixtureJson } from '../test-support.js';
import { buildRequest } from './build-request.js';
import { readResponse } from './read-response.js';

function build(overrides: Partial<ChatRequest>) {
  const upstream = buildRequest(createTestRequest(overrides), createTestEndpoint());
  return { ...upstream, body: JSON.parse(String(upstream.body)) as Record<string, unknown> };
}

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

describe('buildRequest: path, headers, contents', () => {
  it('posts generateContent with the bare minimum when nothing else is asked', () => {
    expect(build({})).toEqual({
      path: '/models/gemini-2.5-flash:generateContent',
      headers: { 'content-type': 'application/json' },
      body: { contents: [{ role: 'user', parts: [{ text: 'hello' }] }] },
      warnings: [],
    });
  });

  it('streams through streamGenerateContent?alt=sse', () => {
    expect(build({ stream: true }).path).toBe('/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('hoists every system text, in order, into systemInstruction and merges consecutive turns', () => {
    const { body } = build({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'system', isDeveloper: true, content: [{ type: 'text', text: 'Answer in French.' }] },
        user('Bonjour'),
        user('Ça va ?'),
        { role: 'assistant', content: [{ type: 'text', text: 'Oui.' }] },
        { role: 'assistant', content: [] },
        { role: 'system', content: [{ type: 'text', text: 'Late rule.' }] },
        user('Merci'),
      ],
    });
    expect(body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }, { text: 'Late rule.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Bonjour' }, { text: 'Ça va ?' }] },
        { role: 'model', parts: [{ text: 'Oui.' }] },
        { role: 'user', parts: [{ text: 'Merci' }] },
      ],
    });
  });

  it('sends images inline (data URL) or by URI (http/https with a known extension), never fetching them', () => {
    const { body, warnings } = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'image', url: 'https://example.com/cats/photo.JPG?size=large', detail: 'high' },
            { type: 'image', url: 'https://example.com/render?id=7' },
            {
              type: 'opaque',
              protocol: 'gemini',
              value: { fileData: { mimeType: 'video/mp4', fileUri: 'files/abc' } },
            },
            { type: 'opaque', protocol: 'openai-chat', value: { type: 'input_audio' } },
          ],
        },
      ],
    });
    expect(body['contents']).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Compare these.' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cats/photo.JPG?size=large' } },
          { fileData: { mimeType: 'video/mp4', fileUri: 'files/abc' } },
        ],
      },
    ]);
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'messages[].content.image_url',
        details: 'image dropped: not a base64 data URL, nor an http(s) URL ending in png/jpg/jpeg/webp/gif/heic',
      },
      {
        type: 'unsupported-setting',
        setting: 'messages[].content',
        details: 'a openai-chat content part cannot be sent to a gemini upstream; dropped',
      },
    ]);
  });

  it('warns once that participant names are dropped', () => {
    const { warnings } = build({
      messages: [
        { role: 'user', name: 'alice', content: [{ type: 'text', text: 'a' }] },
        { role: 'user', name: 'bob', content: [{ type: 'text', text: 'b' }] },
      ],
    });
    expect(warnings).toEqual([
      { type: 'unsupported-setting', setting: 'messages[].name', details: 'Gemini has no participant names' },
    ]);
  });
});

describe('buildRequest: tools', () => {
  const tools: ChatRequest['tools'] = [
    {
      type: 'function',
      name: 'get_weather',
      description: 'Current weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: true,
    },
    { type: 'function', name: 'get_time' },
  ];

  it('declares functions with JSON Schema parameters', () => {
    expect(build({ tools }).body['tools']).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather',
            parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
          { name: 'get_time' },
        ],
      },
    ]);
  });

  it.each([
    [{ type: 'auto' }, { mode: 'AUTO' }],
    [{ type: 'required' }, { mode: 'ANY' }],
    [{ type: 'none' }, { mode: 'NONE' }],
    [
      { type: 'tool', toolName: 'get_time' },
      { mode: 'ANY', allowedFunctionNames: ['get_time'] },
    ],
  ] as const)('tool choice %o → functionCallingConfig %o', (toolChoice, expected) => {
    expect(build({ tools, toolChoice }).body['toolConfig']).toEqual({ functionCallingConfig: expected });
  });

  it('warns that parallel tool calls cannot be switched off, and says nothing when they are allowed', () => {
    expect(build({ tools, parallelToolCalls: false }).warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'parallel_tool_calls',
        details: 'Gemini cannot be told to avoid parallel function calls',
      },
    ]);
    expect(build({ tools, parallelToolCalls: true }).warnings).toEqual([]);
  });

  it('answers tool calls with functionResponse parts named after the call, merged into one user turn', () => {
    const { body } = build({
      messages: [
        user('Weather and time in Paris?'),
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: 'fc-1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'tool-call', toolCallId: 'call_0_1', toolName: 'get_time', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'fc-1', content: [{ type: 'text', text: '18°C' }] },
        { role: 'tool', toolCallId: 'call_0_1', isError: true, content: [{ type: 'text', text: 'clock offline' }] },
        user('Thanks'),
      ],
    });
    expect(body['contents']).toEqual([
      { role: 'user', parts: [{ text: 'Weather and time in Paris?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { id: 'fc-1', name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'fc-1', name: 'get_weather', response: { result: '18°C' } } },
          { functionResponse: { name: 'get_time', response: { error: 'clock offline' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
  });

  it('finds the nearest earlier call when gateway-made ids repeat across turns', () => {
    const call = (name: string): Message => ({
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 'call_0_0', toolName: name, arguments: '{}' }],
    });
    const result: Message = { role: 'tool', toolCallId: 'call_0_0', content: [{ type: 'text', text: 'ok' }] };
    const contents = build({ messages: [user('go'), call('first'), result, call('second'), result] }).body[
      'contents'
    ] as { parts: { functionResponse?: { name: string } }[] }[];
    expect(contents.flatMap((content) => content.parts.flatMap((part) => part.functionResponse?.name ?? []))).toEqual([
      'first',
      'second',
    ]);
  });

  it('rejects a tool result whose call cannot be found, naming the tool_call_id', () => {
    expect(() =>
      build({
        messages: [user('hi'), { role: 'tool', toolCallId: 'call_missing', content: [{ type: 'text', text: 'x' }] }],
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid_request',
        message: expect.stringContaining('"call_missing"') as unknown,
      }),
    );
  });

  it('sends arguments that are not a JSON object as {} with a warning', () => {
    const { body, warnings } = build({
      messages: [
        user('go'),
        { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c9', toolName: 'f', arguments: '{"a":' }] },
      ],
    });
    expect((body['contents'] as unknown[])[1]).toEqual({
      role: 'model',
      parts: [{ functionCall: { id: 'c9', name: 'f', args: {} } }],
    });
    expect(warnings).toEqual([
      { type: 'other', message: 'The arguments of tool call c9 are not a JSON object; sent to Gemini as {}.' },
    ]);
  });
});

describe('buildRequest: thought signatures', () => {
  it('sends a read response back with each signature on the part it came with, and no thought text', () => {
    const previous = readResponse(readFixtureJson('gemini-function-call.1.json'));
    const assistant: Message = {
      role: 'assistant',
      content: [{ type: 'reasoning', text: 'I should call the tools.' }, ...(previous.choices[0]?.content ?? [])],
    };
    // The id the gateway made for the id-less call: a result names it, and neither goes back to Google.
    const madeId = previous.choices[0]!.content.flatMap((part) =>
      part.type === 'tool-call' ? [part.toolCallId] : [],
    )[1]!;
    const { body } = build({
      messages: [
        user('Weather in Paris, and the time?'),
        assistant,
        { role: 'tool', toolCallId: 'fc-7d1e', content: [{ type: 'text', text: '18' }] },
        { role: 'tool', toolCallId: madeId, content: [{ type: 'text', text: '14:02' }] },
      ],
    });
    expect(madeId).toMatch(/^call_[0-9a-f]{16}_0_1$/);
    expect((body['contents'] as unknown[]).slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { text: 'Let me look that up.', thoughtSignature: 'c2lnLXRleHQtMQ==' },
          {
            functionCall: { id: 'fc-7d1e', name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
            thoughtSignature: 'c2lnLWZjLTE=',
          },
          { functionCall: { name: 'get_time', args: {} } },
          { executableCode: { language: 'PYTHON', code: 'print(1 + 1)' } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'fc-7d1e', name: 'get_weather', response: { result: '18' } } },
          { functionResponse: { name: 'get_time', response: { result: '14:02' } } },
        ],
      },
    ]);
  });

  it('keeps a trailing signature, and two signatures in a row, on empty text parts', () => {
    const { body } = build({
      messages: [
        user('hi'),
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: '', signature: 'sig-a', signatureProtocol: 'gemini' },
            { type: 'reasoning', text: 'thinking…', signature: 'sig-b', signatureProtocol: 'gemini' },
            { type: 'text', text: 'Hello!' },
            { type: 'reasoning', text: '', signature: 'sig-end', signatureProtocol: 'gemini' },
          ],
        },
      ],
    });
    expect((body['contents'] as unknown[])[1]).toEqual({
      role: 'model',
      parts: [
        { text: '', thoughtSignature: 'sig-a' },
        { text: 'Hello!', thoughtSignature: 'sig-b' },
        { text: '', thoughtSignature: 'sig-end' },
      ],
    });
  });
});

describe('buildRequest: generationConfig', () => {
  it('maps every sampling setting', () => {
    expect(
      build({
        maxOutputTokens: 256,
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        stop: ['END'],
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.3,
        n: 2,
        user: 'end-user-1',
      }),
    ).toEqual({
      path: '/models/gemini-2.5-flash:generateContent',
      headers: { 'content-type': 'application/json' },
      body: {
        contents: [{ role: 'user', parts: [{ text: 'hello' }] }],
        generationConfig: {
          maxOutputTokens: 256,
          temperature: 0.2,
          topP: 0.9,
          topK: 40,
          stopSequences: ['END'],
          seed: 7,
          presencePenalty: 0.1,
          frequencyPenalty: 0.3,
          candidateCount: 2,
        },
      },
      warnings: [],
    });
  });

  it.each([
    [{ type: 'text' }, undefined],
    [{ type: 'json-object' }, { responseMimeType: 'application/json' }],
    [
      {
        type: 'json-schema',
        name: 'city',
        strict: true,
        schema: { type: 'object', properties: { name: { type: 'string' } } },
      },
      {
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object', properties: { name: { type: 'string' } } },
      },
    ],
  ] as const)('response format %o → %o', (responseFormat, expected) => {
    expect(build({ responseFormat }).body['generationConfig']).toEqual(expected);
  });

  it.each<[ReasoningOptions, unknown]>([
    [{}, { includeThoughts: true }],
    [{ maxTokens: 2000 }, { thinkingBudget: 2000, includeThoughts: true }],
    [
      { maxTokens: 2000, effort: 'high' },
      { thinkingBudget: 2000, includeThoughts: true },
    ],
    [{ maxTokens: 0 }, { thinkingBudget: 0 }],
    [{ effort: 'none' }, { thinkingBudget: 0 }],
    [{ effort: 'minimal' }, { thinkingBudget: 512, includeThoughts: true }],
    [{ effort: 'low' }, { thinkingBudget: 1024, includeThoughts: true }],
    [{ effort: 'medium' }, { thinkingBudget: 8192, includeThoughts: true }],
    [{ effort: 'high' }, { thinkingBudget: 24576, includeThoughts: true }],
    [{ effort: 'medium', exclude: true }, { thinkingBudget: 8192 }],
    [{ exclude: true }, undefined],
  ])('reasoning %o → thinkingConfig %o', (reasoning, expected) => {
    const { body, warnings } = build({ reasoning });
    expect((body['generationConfig'] as Record<string, unknown> | undefined)?.['thinkingConfig']).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('sends xhigh as the largest budget, with a warning', () => {
    const { body, warnings } = build({ reasoning: { effort: 'xhigh' } });
    expect(body['generationConfig']).toEqual({ thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } });
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'reasoning.effort',
        details: 'Gemini has no effort above high; xhigh sent as a 24576-token thinking budget',
      },
    ]);
  });
});

describe('buildRequest: passthrough', () => {
  it('forwards Gemini-only fields but never lets them replace what the gateway built', () => {
    const safetySettings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    const { body, warnings } = build({
      temperature: 1,
      passthrough: {
        protocol: 'gemini',
        fields: {
          safetySettings,
          cachedContent: 'cachedContents/abc123',
          contents: [],
          generationConfig: { topK: 3 },
        },
      },
    });
    expect(body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hello' }] }],
      generationConfig: { temperature: 1 },
      safetySettings,
      cachedContent: 'cachedContents/abc123',
    });
    expect(warnings).toEqual([]);
  });

  it('drops fields from another protocol, one warning each', () => {
    const { body, warnings } = build({
      passthrough: { protocol: 'openai-chat', fields: { logit_bias: { '50256': -100 }, service_tier: 'flex' } },
    });
    expect(Object.keys(body)).toEqual(['contents']);
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'logit_bias',
        details: 'a openai-chat parameter, not forwarded to a gemini upstream',
      },
      {
        type: 'unsupported-setting',
        setting: 'service_tier',
        details: 'a openai-chat parameter, not forwarded to a gemini upstream',
      },
    ]);
  });
});
