import type { StreamEvent, Usage } from '../../../spec/index.js';
import type { StreamReader } from '../../adapter-types.js';
import { learnContentChunkTemplate, matchContentChunkTemplate } from './content-chunk-template.js';
import type { ContentChunkTemplate } from './content-chunk-template.js';
import { convertUsage } from './convert-usage.js';
import { mapFinishReason } from './map-finish-reason.js';

type Json = Record<string, unknown>;

/** Where an index-less tool-call delta goes: the first call, the last one again, or (a new id) the one after it. */
function followToolCall(
  last: { readonly toolCallIndex: number; readonly id: string | undefined } | undefined,
  id: string | undefined,
): number {
  if (last === undefined) return 0;
  return id === undefined || id === last.id ? last.toolCallIndex : last.toolCallIndex + 1;
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The usage a vendor put in a choice of a stream chunk (Moonshot's `choices[0].usage`), if any. */
function readChoiceUsage(choices: unknown): Usage | undefined {
  if (!Array.isArray(choices)) return undefined;
  for (const choice of choices) {
    const usage = convertUsage(asObject(choice)?.['usage']);
    if (usage !== undefined) return usage;
  }
  return undefined;
}

/**
 * Reads an OpenAI-compatible chat stream one SSE event at a time. Usage may come in
 * the last chunk, with the finish chunk, inside the finish chunk's choice (Moonshot),
 * or cumulatively in every chunk: the last one seen wins and is emitted once, at `[DONE]` or at the end. After the first plain
 * text chunk, text chunks in the same envelope are read without parsing the whole
 * chunk ({@link learnContentChunkTemplate}).
 */
export function createStreamReader(): StreamReader {
  let isComplete = false;
  let isStarted = false;
  let heldUsage: Usage | undefined;
  let template: ContentChunkTemplate | undefined;
  const startedToolCalls = new Set<string>();
  /** Per choice, the last tool call seen: deltas without an `index` continue it unless they name another id. */
  const lastToolCalls = new Map<number, { readonly toolCallIndex: number; readonly id: string | undefined }>();
  const finishedChoices = new Set<number>();

  function releaseUsage(events: StreamEvent[]): void {
    if (heldUsage !== undefined) events.push({ type: 'usage', usage: heldUsage });
    heldUsage = undefined;
  }

  function readChoice(choice: Json, events: StreamEvent[]): void {
    const index = typeof choice['index'] === 'number' ? choice['index'] : 0;
    const delta = asObject(choice['delta']);
    if (delta !== undefined) readDelta(index, delta, choice['logprobs'], events);
    const finish = choice['finish_reason'];
    if (finish !== null && finish !== undefined && !finishedChoices.has(index)) {
      finishedChoices.add(index);
      events.push({ type: 'finish', choice: index, finishReason: mapFinishReason(finish) });
    }
  }

  function readDelta(choice: number, delta: Json, logprobs: unknown, events: StreamEvent[]): void {
    const reasoning = delta['reasoning_content'] ?? delta['reasoning'];
    if (typeof reasoning === 'string' && reasoning !== '')
      events.push({ type: 'reasoning-delta', choice, delta: reasoning });
    const content = delta['content'];
    if (typeof content === 'string' && content !== '') {
      events.push(
        logprobs === undefined || logprobs === null
          ? { type: 'text-delta', choice, delta: content }
          : { type: 'text-delta', choice, delta: content, logprobs },
      );
    }
    const refusal = delta['refusal'];
    if (typeof refusal === 'string' && refusal !== '') events.push({ type: 'refusal-delta', choice, delta: refusal });
    const toolCalls = delta['tool_calls'];
    if (Array.isArray(toolCalls)) for (const call of toolCalls) readToolCall(choice, asObject(call), events);
  }

  /**
   * The position of a tool-call delta: its `index`, or, from vendors that send none, the last call's position, or
   * the next one when the delta names a new id (each parallel call arrives with its own id).
   */
  function locateToolCall(choice: number, call: Json): number {
    const id = typeof call['id'] === 'string' && call['id'] !== '' ? call['id'] : undefined;
    const last = lastToolCalls.get(choice);
    const toolCallIndex = typeof call['index'] === 'number' ? call['index'] : followToolCall(last, id);
    const lastId = last !== undefined && last.toolCallIndex === toolCallIndex ? last.id : undefined;
    lastToolCalls.set(choice, { toolCallIndex, id: id ?? lastId });
    return toolCallIndex;
  }

  /** A function call's deltas (`function.arguments`), or a custom tool's (`custom.input`, free-form text). */
  function readToolCall(choice: number, call: Json | undefined, events: StreamEvent[]): void {
    if (call === undefined) return;
    const toolCallIndex = locateToolCall(choice, call);
    const custom = asObject(call['custom']);
    const isCustom = call['type'] === 'custom' || (custom !== undefined && call['function'] === undefined);
    const fields = isCustom ? custom : asObject(call['function']);
    const key = `${choice}:${toolCallIndex}`;
    if (!startedToolCalls.has(key)) {
      startedToolCalls.add(key);
      events.push({
        type: 'tool-call-start',
        choice,
        toolCallIndex,
        toolCallId: typeof call['id'] === 'string' ? call['id'] : '',
        toolName: typeof fields?.['name'] === 'string' ? fields['name'] : '',
        ...(isCustom ? { isCustom } : {}),
      });
    }
    const args = fields?.[isCustom ? 'input' : 'arguments'];
    if (typeof args === 'string' && args !== '')
      events.push({ type: 'tool-call-delta', choice, toolCallIndex, argumentsDelta: args });
  }

  function readEvent(_eventName: string | undefined, data: string): readonly StreamEvent[] {
    if (data === '[DONE]') {
      isComplete = true;
      const events: StreamEvent[] = [];
      releaseUsage(events);
      return events;
    }
    if (template !== undefined) {
      const text = matchContentChunkTemplate(template, data);
      if (text !== undefined) return text === '' ? [] : [{ type: 'text-delta', choice: 0, delta: text }];
    }
    let chunk: Json | undefined;
    try {
      chunk = asObject(JSON.parse(data));
    } catch {
      return [
        {
          type: 'error',
          message: 'The provider sent a stream chunk that is not JSON.',
          code: 'upstream_invalid_response',
        },
      ];
    }
    if (chunk === undefined) return [];
    const events: StreamEvent[] = [];
    const error = chunk['error'];
    if (error !== undefined && error !== null) {
      const fields = asObject(error);
      const message =
        typeof fields?.['message'] === 'string'
          ? fields['message']
          : typeof error === 'string'
            ? error
            : 'stream error';
      const code = fields?.['code'];
      // Error is terminal: usage held from earlier chunks goes out first, so what was delivered is metered.
      releaseUsage(events);
      events.push({ type: 'error', message, code: typeof code === 'string' ? code : undefined, raw: error });
      return events;
    }
    if (!isStarted) {
      isStarted = true;
      const fingerprint = chunk['system_fingerprint'];
      events.push({
        type: 'response-start',
        upstreamId: typeof chunk['id'] === 'string' ? chunk['id'] : undefined,
        ...(typeof fingerprint === 'string' ? { systemFingerprint: fingerprint } : {}),
      });
    }
    const choices = chunk['choices'];
    if (Array.isArray(choices)) for (const choice of choices) readChoice(asObject(choice) ?? {}, events);
    // Moonshot (Kimi) sends a stream's usage in its last choice, not beside the choices.
    const usage = convertUsage(chunk['usage']) ?? readChoiceUsage(choices);
    if (usage !== undefined) heldUsage = usage;
    template ??= learnContentChunkTemplate(data, chunk);
    return events;
  }

  return {
    readEvent,
    end: () => {
      const events: StreamEvent[] = [];
      releaseUsage(events);
      return events;
    },
    get isComplete() {
      return isComplete;
    },
  };
}
