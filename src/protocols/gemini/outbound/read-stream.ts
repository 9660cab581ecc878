import type { StreamEvent, Usage } from '../../../spec/index.js';
import type { StreamReader } from '../../adapter-types.js';
import { asObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { convertUsage } from './convert-usage.js';
import { createToolCallIdSource } from './create-tool-call-id.js';
import { mapFinishReason } from './map-finish-reason.js';
import { readStreamError } from './read-stream-error.js';

interface CandidateState {
  toolCallCount: number;
  isFinished: boolean;
}

/**
 * Reads a Gemini `streamGenerateContent?alt=sse` stream. Every SSE event is a whole
 * GenerateContentResponse (no event names, no end marker): text parts are deltas, a function call
 * arrives whole, `usageMetadata` is cumulative (the last one wins and is emitted once, at the end,
 * after the finishes). The stream is complete once every candidate seen has a finish reason.
 * After an error event nothing more is emitted (error is terminal); usage held so far goes out
 * just before the error, so what was delivered can still be metered.
 */
export function createStreamReader(): StreamReader {
  let isStarted = false;
  let hasFailed = false;
  let heldUsage: Usage | undefined;
  const candidates = new Map<number, CandidateState>();
  /** One source per stream: every id-less call of this response shares its nonce. */
  const createToolCallId = createToolCallIdSource();

  function fail(events: StreamEvent[], error: StreamEvent): readonly StreamEvent[] {
    hasFailed = true;
    if (heldUsage !== undefined) events.push({ type: 'usage', usage: heldUsage });
    heldUsage = undefined;
    events.push(error);
    return events;
  }

  function readChunk(chunk: JsonObject, events: StreamEvent[]): void {
    if (!isStarted) {
      isStarted = true;
      events.push({ type: 'response-start', upstreamId: readString(chunk['responseId']) });
    }
    const list = chunk['candidates'];
    if (Array.isArray(list))
      list.forEach((candidate, position) => readCandidate(asObject(candidate) ?? {}, position, events));
    const blockReason = asObject(chunk['promptFeedback'])?.['blockReason'];
    if (typeof blockReason === 'string' && candidates.size === 0) {
      candidates.set(0, { toolCallCount: 0, isFinished: true });
      events.push({ type: 'finish', choice: 0, finishReason: { unified: 'content-filter', raw: blockReason } });
    }
    heldUsage = convertUsage(chunk['usageMetadata']) ?? heldUsage;
  }

  function readCandidate(candidate: JsonObject, position: number, events: StreamEvent[]): void {
    const choice = typeof candidate['index'] === 'number' ? candidate['index'] : position;
    const state = candidates.get(choice) ?? { toolCallCount: 0, isFinished: false };
    candidates.set(choice, state);
    const parts = asObject(candidate['content'])?.['parts'];
    for (const part of Array.isArray(parts) ? parts : []) readPart(asObject(part) ?? {}, choice, state, events);
    const raw = candidate['finishReason'];
    if (typeof raw !== 'string' || state.isFinished) return;
    state.isFinished = true;
    const finishReason =
      state.toolCallCount > 0 && raw === 'STOP' ? { unified: 'tool-calls' as const, raw } : mapFinishReason(raw);
    events.push({ type: 'finish', choice, finishReason });
  }

  function readPart(part: JsonObject, choice: number, state: CandidateState, events: StreamEvent[]): void {
    const signature = part['thoughtSignature'];
    if (typeof signature === 'string' && signature !== '')
      events.push({ type: 'reasoning-signature', choice, signature });
    const call = asObject(part['functionCall']);
    const text = part['text'];
    if (call !== undefined) {
      const toolCallIndex = state.toolCallCount;
      state.toolCallCount += 1;
      events.push({
        type: 'tool-call-start',
        choice,
        toolCallIndex,
        toolCallId: readString(call['id']) ?? createToolCallId(choice, toolCallIndex),
        toolName: readString(call['name']) ?? '',
      });
      events.push({
        type: 'tool-call-delta',
        choice,
        toolCallIndex,
        argumentsDelta: JSON.stringify(call['args'] ?? {}),
      });
    } else if (typeof text === 'string' && text !== '') {
      events.push(
        part['thought'] === true
          ? { type: 'reasoning-delta', choice, delta: text }
          : { type: 'text-delta', choice, delta: text },
      );
    }
  }

  function readEvent(_eventName: string | undefined, data: string): readonly StreamEvent[] {
    if (hasFailed) return [];
    const events: StreamEvent[] = [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      const message = 'The provider sent a stream chunk that is not JSON.';
      return fail(events, { type: 'error', message, code: 'upstream_invalid_response' });
    }
    // Gemini wraps bodies in an array when `alt=sse` is missing; accept both shapes.
    for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
      const chunk = asObject(item);
      if (chunk === undefined) continue;
      const error = readStreamError(chunk);
      if (error !== undefined) return fail(events, error);
      readChunk(chunk, events);
    }
    return events;
  }

  return {
    readEvent,
    end: () => {
      if (hasFailed || heldUsage === undefined) return [];
      const usage = heldUsage;
      heldUsage = undefined;
      return [{ type: 'usage', usage }];
    },
    get isComplete() {
      return !hasFailed && candidates.size > 0 && [...candidates.values()].every((state) => state.isFinished);
    },
  };
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
