import type { StreamEvent } from '../../../spec/index.js';
import type { StreamReader } from '../../adapter-types.js';
import { isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { convertUsage } from './convert-usage.js';
import { readFinishReason } from './map-stop-reason.js';
import { createOpaqueBlock } from './read-opaque-block.js';
import type { OpaqueBlock } from './read-opaque-block.js';

/** What the reader remembers about one content block, by its `index`. */
type BlockState =
  | { readonly kind: 'text' | 'thinking' }
  | { readonly kind: 'tool'; readonly toolCallIndex: number }
  | { readonly kind: 'opaque'; readonly opaque: OpaqueBlock };

const invalidChunkEvent: StreamEvent = {
  type: 'error',
  message: 'The provider sent a stream event whose data is not JSON.',
  code: 'upstream_invalid_response',
};

/**
 * Reads an Anthropic Messages stream one SSE event at a time.
 *
 * Usage: `message_start` carries the prompt counts and a provisional output count;
 * each `message_delta` carries cumulative counts. Anthropic-compatible vendors (Kimi,
 * GLM, DeepSeek, MiniMax) may send zeros in `message_start` and the real prompt
 * counts only in `message_delta`, so fields are merged with later defined values
 * winning. The one `usage` event goes out at `message_stop`, before an `error`, or
 * at the end. Until a `message_delta` arrived the output count is only
 * provisional, so it is reported as unknown (metering then counts what was delivered).
 *
 * Text and reasoning deltas carry their block's `index` as `block`, so a renderer keeps
 * two adjacent blocks of one kind apart. Blocks the canonical model does not know
 * (`redacted_thinking`, server tool calls and their results) go out whole, as one
 * `opaque-part` at their `content_block_stop`, for Anthropic clients.
 */
export function createStreamReader(): StreamReader {
  let isComplete = false;
  let isStarted = false;
  let isFinished = false;
  let isUsageEmitted = false;
  let hasFinalOutputCount = false;
  let wireUsage: JsonObject | undefined;
  let toolCallCount = 0;
  const blocks = new Map<number, BlockState>();

  function start(events: StreamEvent[], upstreamId: string | undefined): void {
    if (isStarted) return;
    isStarted = true;
    events.push({ type: 'response-start', upstreamId });
  }

  function mergeUsage(wire: unknown): void {
    if (!isObject(wire)) return;
    const merged: JsonObject = { ...wireUsage };
    for (const [key, value] of Object.entries(wire)) if (value !== undefined && value !== null) merged[key] = value;
    wireUsage = merged;
  }

  function releaseUsage(events: StreamEvent[]): void {
    if (isUsageEmitted || wireUsage === undefined) return;
    const usage = convertUsage(wireUsage);
    if (usage === undefined) return;
    isUsageEmitted = true;
    events.push({
      type: 'usage',
      usage: hasFinalOutputCount ? usage : { ...usage, outputTokens: { ...usage.outputTokens, total: undefined } },
    });
  }

  function readBlockStart(chunk: JsonObject, events: StreamEvent[]): void {
    const index = readIndex(chunk);
    const block = isObject(chunk['content_block']) ? chunk['content_block'] : {};
    switch (block['type']) {
      case 'text':
        blocks.set(index, { kind: 'text' });
        pushText(events, block['text'], index);
        pushCitations(events, block['citations'], index);
        return;
      case 'thinking':
        blocks.set(index, { kind: 'thinking' });
        pushReasoning(events, block['thinking'], index);
        pushSignature(events, block['signature'], index);
        return;
      case 'tool_use':
        readToolStart(index, block, events);
        return;
      default:
        blocks.set(index, { kind: 'opaque', opaque: createOpaqueBlock(block) });
    }
  }

  function readBlockStop(chunk: JsonObject, events: StreamEvent[]): void {
    const index = readIndex(chunk);
    const block = blocks.get(index);
    if (block?.kind !== 'opaque') return;
    blocks.delete(index);
    events.push({ type: 'opaque-part', choice: 0, protocol: 'anthropic-messages', value: block.opaque.finish() });
  }

  function readToolStart(index: number, block: JsonObject, events: StreamEvent[]): void {
    const toolCallIndex = toolCallCount;
    toolCallCount += 1;
    blocks.set(index, { kind: 'tool', toolCallIndex });
    events.push({
      type: 'tool-call-start',
      choice: 0,
      toolCallIndex,
      toolCallId: typeof block['id'] === 'string' ? block['id'] : '',
      toolName: typeof block['name'] === 'string' ? block['name'] : '',
    });
    // Anthropic opens every tool_use with `input: {}` and streams the arguments; a
    // compatible vendor that sends the whole input up front must not lose it.
    const input = block['input'];
    if (isObject(input) && Object.keys(input).length > 0) {
      events.push({ type: 'tool-call-delta', choice: 0, toolCallIndex, argumentsDelta: JSON.stringify(input) });
    }
  }

  function readBlockDelta(chunk: JsonObject, events: StreamEvent[]): void {
    const index = readIndex(chunk);
    const block = blocks.get(index);
    const delta = isObject(chunk['delta']) ? chunk['delta'] : {};
    switch (delta['type']) {
      case 'text_delta':
        return pushText(events, delta['text'], index);
      case 'thinking_delta':
        return pushReasoning(events, delta['thinking'], index);
      case 'signature_delta':
        return pushSignature(events, delta['signature'], index);
      case 'citations_delta':
        if (delta['citation'] !== undefined)
          events.push({ type: 'citation-delta', choice: 0, citation: delta['citation'], block: index });
        return;
      case 'input_json_delta':
        return readInputDelta(block, delta['partial_json'], events);
      default:
        // Future delta types: nothing canonical to say.
        return;
    }
  }

  /** Tool arguments stream out; an opaque block's (a server tool call's) input is gathered for its whole block. */
  function readInputDelta(block: BlockState | undefined, json: unknown, events: StreamEvent[]): void {
    if (typeof json !== 'string' || json === '') return;
    if (block?.kind === 'opaque') block.opaque.appendInput(json);
    else if (block?.kind === 'tool') {
      events.push({ type: 'tool-call-delta', choice: 0, toolCallIndex: block.toolCallIndex, argumentsDelta: json });
    }
  }

  function readMessageDelta(chunk: JsonObject, events: StreamEvent[]): void {
    const delta = isObject(chunk['delta']) ? chunk['delta'] : {};
    const stopReason = delta['stop_reason'];
    if (!isFinished && typeof stopReason === 'string') {
      isFinished = true;
      events.push({ type: 'finish', choice: 0, finishReason: readFinishReason(stopReason, delta['stop_sequence']) });
    }
    if (isObject(chunk['usage'])) {
      mergeUsage(chunk['usage']);
      hasFinalOutputCount = hasFinalOutputCount || chunk['usage']['output_tokens'] !== undefined;
    }
  }

  function readChunk(type: unknown, chunk: JsonObject): StreamEvent[] {
    const events: StreamEvent[] = [];
    if (type === 'error') {
      releaseUsage(events);
      events.push(readStreamError(chunk));
      return events;
    }
    const message = isObject(chunk['message']) ? chunk['message'] : undefined;
    start(events, typeof message?.['id'] === 'string' ? message['id'] : undefined);
    switch (type) {
      case 'message_start':
        mergeUsage(message?.['usage']);
        break;
      case 'content_block_start':
        readBlockStart(chunk, events);
        break;
      case 'content_block_delta':
        readBlockDelta(chunk, events);
        break;
      case 'content_block_stop':
        readBlockStop(chunk, events);
        break;
      case 'message_delta':
        readMessageDelta(chunk, events);
        break;
      case 'message_stop':
        isComplete = true;
        releaseUsage(events);
        break;
      default:
        // Event types added later carry nothing to emit.
        break;
    }
    return events;
  }

  function readEvent(eventName: string | undefined, data: string): readonly StreamEvent[] {
    if (eventName === 'ping') return [];
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return [invalidChunkEvent];
    }
    if (!isObject(chunk)) return [invalidChunkEvent];
    const type = eventName ?? chunk['type'];
    return type === 'ping' ? [] : readChunk(type, chunk);
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

function readIndex(chunk: JsonObject): number {
  return typeof chunk['index'] === 'number' ? chunk['index'] : 0;
}

function pushText(events: StreamEvent[], text: unknown, block: number): void {
  if (typeof text === 'string' && text !== '') events.push({ type: 'text-delta', choice: 0, delta: text, block });
}

function pushReasoning(events: StreamEvent[], text: unknown, block: number): void {
  if (typeof text === 'string' && text !== '') events.push({ type: 'reasoning-delta', choice: 0, delta: text, block });
}

function pushSignature(events: StreamEvent[], signature: unknown, block: number): void {
  if (typeof signature === 'string' && signature !== '') {
    events.push({ type: 'reasoning-signature', choice: 0, signature, block });
  }
}

/** Citations a text block opens with (Anthropic streams them as `citations_delta` instead, but a vendor may not). */
function pushCitations(events: StreamEvent[], citations: unknown, block: number): void {
  if (!Array.isArray(citations)) return;
  for (const citation of citations as unknown[]) events.push({ type: 'citation-delta', choice: 0, citation, block });
}

/** `{type:"error", error:{type, message}}` → canonical error; the provider's error type is the code. */
function readStreamError(chunk: JsonObject): StreamEvent {
  const error = isObject(chunk['error']) ? chunk['error'] : {};
  const message = error['message'];
  const code = error['type'];
  return {
    type: 'error',
    message: typeof message === 'string' && message !== '' ? message : 'The provider reported an error in the stream.',
    code: typeof code === 'string' ? code : undefined,
    raw: chunk['error'] ?? chunk,
  };
}
