import { sseFrames } from './create-fake-upstream.js';
import type { Scenario } from './create-fake-upstream.js';

/** What a fake model "generates", independent of wire format. */
export interface ModelScript {
  readonly reasoning?: readonly string[];
  /** Provider signature closing the reasoning (Anthropic thinking, Gemini thought signature). */
  readonly signature?: string;
  readonly text?: readonly string[];
  readonly toolCalls?: readonly {
    readonly id: string;
    readonly name: string;
    readonly argumentPieces: readonly string[];
  }[];
  readonly usage: {
    /** All prompt tokens, cached included. */
    readonly input: number;
    readonly cached: number;
    /** All completion tokens, reasoning included. */
    readonly output: number;
    readonly reasoning: number;
  };
}

export type UpstreamProtocol = 'openai' | 'anthropic' | 'gemini';

/**
 * How a scripted answer reports its usage: as each provider documents it, or not at all (RELIABILITY.md's "usage
 * missing" fault: an OpenAI-compatible server without `stream_options`, an Anthropic- or Gemini-compatible one that
 * leaves the required fields out).
 */
export interface ScriptOptions {
  readonly isUsageReported?: boolean;
}

/** The scripted generation as each provider would stream it, frame for frame. */
export function streamScript(protocol: UpstreamProtocol, script: ModelScript, options: ScriptOptions = {}): Scenario {
  const isUsageReported = options.isUsageReported ?? true;
  switch (protocol) {
    case 'openai':
      return { kind: 'sse', frames: sseFrames(openaiChunks(script, isUsageReported)) };
    case 'anthropic':
      return { kind: 'sse', frames: anthropicFrames(script, isUsageReported) };
    case 'gemini':
      return { kind: 'sse', frames: geminiChunks(script, isUsageReported).map(geminiFrame) };
  }
}

/**
 * What each provider streams of a generation before it ends: its opening and the text, with no finish and no output
 * usage (a stream cut mid-way, or still running when its client leaves). Anthropic's opening `message_start` carries
 * the prompt's usage, as it always does. `isUsageRepeated` (OpenAI-compatible only) puts usage in every chunk, as some
 * servers do, its completion count a provisional 0.
 */
export function unfinishedStreamFrames(
  protocol: UpstreamProtocol,
  text: readonly string[],
  promptTokens: number,
  options: { readonly isUsageRepeated?: boolean } = {},
): string[] {
  const script: ModelScript = { text, usage: { input: promptTokens, cached: 0, output: 0, reasoning: 0 } };
  switch (protocol) {
    case 'openai': {
      // The role chunk, then one chunk per piece.
      const chunks = openaiChunks(script, false).slice(0, 1 + text.length) as Record<string, unknown>[];
      const usage = { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens };
      return sseFrames(options.isUsageRepeated === true ? chunks.map((chunk) => ({ ...chunk, usage })) : chunks, false);
    }
    case 'anthropic':
      // message_start, ping, content_block_start, then one delta per piece.
      return anthropicFrames(script, true).slice(0, 3 + text.length);
    case 'gemini':
      return geminiChunks(script, false).slice(0, text.length).map(geminiFrame);
  }
}

const geminiFrame = (chunk: unknown): string => `data: ${JSON.stringify(chunk)}\r\n\r\n`;

const isToolTurn = (script: ModelScript): boolean => (script.toolCalls?.length ?? 0) > 0;

function openaiChunks(script: ModelScript, isUsageReported: boolean): unknown[] {
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_795_000_000, model: 'fake' };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const chunks: unknown[] = [chunk({ role: 'assistant', content: '' })];
  for (const piece of script.reasoning ?? []) chunks.push(chunk({ reasoning_content: piece }));
  for (const piece of script.text ?? []) chunks.push(chunk({ content: piece }));
  (script.toolCalls ?? []).forEach((call, index) => {
    chunks.push(
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const piece of call.argumentPieces)
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(chunk({}, isToolTurn(script) ? 'tool_calls' : 'stop'));
  if (!isUsageReported) return chunks;
  const { usage } = script;
  chunks.push({
    ...base,
    choices: [],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      prompt_tokens_details: { cached_tokens: usage.cached },
      completion_tokens_details: { reasoning_tokens: usage.reasoning },
    },
  });
  return chunks;
}

function anthropicFrames(script: ModelScript, isUsageReported: boolean): string[] {
  const frame = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const { usage } = script;
  const frames = [
    frame('message_start', {
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        model: 'claude-fake',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        ...(isUsageReported
          ? {
              usage: {
                input_tokens: usage.input - usage.cached,
                cache_read_input_tokens: usage.cached,
                cache_creation_input_tokens: 0,
                output_tokens: 1,
              },
            }
          : {}),
      },
    }),
    frame('ping', {}),
  ];
  let index = 0;
  const block = (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
    frames.push(frame('content_block_start', { index, content_block: start }));
    for (const delta of deltas) frames.push(frame('content_block_delta', { index, delta }));
    frames.push(frame('content_block_stop', { index }));
    index += 1;
  };
  if (script.reasoning !== undefined) {
    block({ type: 'thinking', thinking: '', signature: '' }, [
      ...script.reasoning.map((thinking) => ({ type: 'thinking_delta', thinking })),
      { type: 'signature_delta', signature: script.signature ?? 'sig' },
    ]);
  }
  if (script.text !== undefined)
    block(
      { type: 'text', text: '' },
      script.text.map((text) => ({ type: 'text_delta', text })),
    );
  for (const call of script.toolCalls ?? []) {
    block(
      { type: 'tool_use', id: call.id, name: call.name, input: {} },
      call.argumentPieces.map((partial_json) => ({ type: 'input_json_delta', partial_json })),
    );
  }
  frames.push(
    frame('message_delta', {
      delta: { stop_reason: isToolTurn(script) ? 'tool_use' : 'end_turn', stop_sequence: null },
      ...(isUsageReported ? { usage: { output_tokens: usage.output } } : {}),
    }),
    frame('message_stop', {}),
  );
  return frames;
}

function geminiChunks(script: ModelScript, isUsageReported: boolean): unknown[] {
  const chunk = (parts: unknown[], extra: Record<string, unknown> = {}) => ({
    candidates: [{ content: { role: 'model', parts }, index: 0, ...extra }],
    modelVersion: 'gemini-fake',
    responseId: 'resp-fake',
  });
  const chunks: unknown[] = (script.reasoning ?? []).map((text) => chunk([{ text, thought: true }]));
  const signature = script.signature === undefined ? {} : { thoughtSignature: script.signature };
  const visible: Record<string, unknown>[] = [
    ...(script.text ?? []).map((text) => ({ text })),
    ...(script.toolCalls ?? []).map((call) => ({
      functionCall: { id: call.id, name: call.name, args: JSON.parse(call.argumentPieces.join('')) as unknown },
    })),
  ];
  visible.forEach((part, position) => chunks.push(chunk([position === 0 ? { ...part, ...signature } : part])));
  const { usage } = script;
  if (!isUsageReported) {
    chunks.push(chunk([{ text: '' }], { finishReason: 'STOP' }));
    return chunks;
  }
  chunks.push({
    ...chunk([{ text: '' }], { finishReason: 'STOP' }),
    usageMetadata: {
      promptTokenCount: usage.input,
      cachedContentTokenCount: usage.cached,
      candidatesTokenCount: usage.output - usage.reasoning,
      thoughtsTokenCount: usage.reasoning,
      totalTokenCount: usage.input + usage.output,
    },
  });
  return chunks;
}

/** The scripted generation as each provider would answer it without streaming. */
export function completeScript(protocol: UpstreamProtocol, script: ModelScript, options: ScriptOptions = {}): Scenario {
  const body = buildCompletion(protocol, script);
  if (options.isUsageReported ?? true) return { kind: 'json', body };
  // The same answer without its usage: OpenAI's and Anthropic's `usage`, Gemini's `usageMetadata`.
  const { usage: _usage, usageMetadata: _usageMetadata, ...rest } = body as Record<string, unknown>;
  return { kind: 'json', body: rest };
}

function buildCompletion(protocol: UpstreamProtocol, script: ModelScript): unknown {
  switch (protocol) {
    case 'openai':
      return openaiCompletion(script);
    case 'anthropic':
      return anthropicMessage(script);
    case 'gemini':
      return geminiResponse(script);
  }
}

function openaiCompletion(script: ModelScript): unknown {
  const { usage } = script;
  const message: Record<string, unknown> = { role: 'assistant', content: script.text?.join('') ?? null };
  if (script.reasoning !== undefined) message['reasoning_content'] = script.reasoning.join('');
  if (isToolTurn(script)) {
    message['tool_calls'] = script.toolCalls!.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.argumentPieces.join('') },
    }));
  }
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_795_000_000,
    model: 'fake',
    choices: [{ index: 0, message, finish_reason: isToolTurn(script) ? 'tool_calls' : 'stop' }],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      prompt_tokens_details: { cached_tokens: usage.cached },
      completion_tokens_details: { reasoning_tokens: usage.reasoning },
    },
  };
}

function anthropicMessage(script: ModelScript): unknown {
  const { usage } = script;
  const content: unknown[] = [];
  if (script.reasoning !== undefined) {
    content.push({ type: 'thinking', thinking: script.reasoning.join(''), signature: script.signature ?? 'sig' });
  }
  if (script.text !== undefined) content.push({ type: 'text', text: script.text.join('') });
  for (const call of script.toolCalls ?? []) {
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.name,
      input: JSON.parse(call.argumentPieces.join('')) as unknown,
    });
  }
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: 'claude-fake',
    content,
    stop_reason: isToolTurn(script) ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: usage.input - usage.cached,
      cache_read_input_tokens: usage.cached,
      cache_creation_input_tokens: 0,
      output_tokens: usage.output,
    },
  };
}

function geminiResponse(script: ModelScript): unknown {
  const chunks = geminiChunks(script, true) as { candidates: { content: { parts: Record<string, unknown>[] } }[] }[];
  const parts = chunks.flatMap((chunk) => chunk.candidates[0]!.content.parts).filter((part) => part['text'] !== '');
  const last = chunks.at(-1) as Record<string, unknown>;
  return {
    candidates: [{ content: { role: 'model', parts }, index: 0, finishReason: 'STOP' }],
    usageMetadata: last['usageMetadata'],
    modelVersion: 'gemini-fake',
    responseId: 'resp-fake',
  };
}
