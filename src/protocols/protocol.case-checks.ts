import { expect } from 'vitest';
import type { StreamEvent, Usage } from '../spec/index.js';
import { createSseParser } from '../streaming/index.js';
import type { StreamReader } from './adapter-types.js';

/**
 * The invariants the outbound conformance suite (protocol.case.ts) asserts on every
 * stream an adapter reads. Each check takes one run of one fixture and fails with a
 * message naming the event at fault.
 */

/** Streamed scenarios every outbound protocol is asked for. */
export const streamScenarios = [
  'text',
  'tool-call',
  'parallel-tools',
  'reasoning',
  'usage-present',
  'usage-absent',
  'error-before-output',
  'error-mid-stream',
  'heartbeat',
] as const;
export type StreamScenario = (typeof streamScenarios)[number];

/** What one fixture stream produced: the canonical events and the reader's `isComplete` after `end()`. */
export interface StreamRun {
  readonly events: readonly StreamEvent[];
  readonly isComplete: boolean;
}

export interface CheckOptions {
  /** Whether the protocol streams tool arguments in pieces (Gemini sends each call whole). */
  readonly streamsToolArguments: boolean;
}

export type StreamCheck = (run: StreamRun, scenario: StreamScenario, options: CheckOptions) => void;

/** Events that carry generated content for a choice; none may follow that choice's `finish`. */
const contentTypes: ReadonlySet<StreamEvent['type']> = new Set<StreamEvent['type']>([
  'text-delta',
  'reasoning-delta',
  'reasoning-signature',
  'refusal-delta',
  'tool-call-start',
  'tool-call-delta',
]);

const errorScenarios: ReadonlySet<StreamScenario> = new Set<StreamScenario>([
  'error-before-output',
  'error-mid-stream',
]);

const expectedToolCalls: Partial<Record<StreamScenario, number>> = { 'tool-call': 1, 'parallel-tools': 2 };

function isContent(event: StreamEvent): boolean {
  return contentTypes.has(event.type);
}

/** Invariant 1: `response-start` opens the stream exactly once; only an error-first stream may open with `error`. */
function assertResponseStart(run: StreamRun, scenario: StreamScenario): void {
  const starts = run.events.filter((event) => event.type === 'response-start').length;
  if (scenario === 'error-before-output' && run.events[0]?.type === 'error') {
    expect(starts, 'an error-first stream has no response-start').toBe(0);
    return;
  }
  expect(run.events[0]?.type, 'first event').toBe('response-start');
  expect(starts, 'response-start count').toBe(1);
}

/** Invariant 2: one `tool-call-start` per (choice, toolCallIndex), before its deltas; arguments join to a JSON object. */
function assertToolCalls(run: StreamRun, scenario: StreamScenario, options: CheckOptions): void {
  const deltasByCall = new Map<string, string[]>();
  run.events.forEach((event, position) => {
    if (event.type !== 'tool-call-start' && event.type !== 'tool-call-delta') return;
    const key = `choice ${event.choice} call ${event.toolCallIndex}`;
    const deltas = deltasByCall.get(key);
    if (event.type === 'tool-call-start') {
      expect(deltas, `second tool-call-start for ${key} at event ${position}`).toBeUndefined();
      deltasByCall.set(key, []);
    } else {
      expect(deltas, `tool-call-delta for ${key} at event ${position} before its start`).toBeDefined();
      deltas?.push(event.argumentsDelta);
    }
  });
  const callCount = expectedToolCalls[scenario];
  if (callCount === undefined) return;
  expect(deltasByCall.size, 'tool calls').toBe(callCount);
  for (const [key, deltas] of deltasByCall) {
    const parsed: unknown = JSON.parse(deltas.join(''));
    expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), `${key} arguments`).toBe(true);
    if (scenario === 'tool-call' && options.streamsToolArguments) {
      expect(deltas.length, `${key} argument deltas`).toBeGreaterThan(1);
    }
  }
}

/** Invariant 3: at most one `finish` per choice and no content after it; a complete stream finishes choice 0. */
function assertFinish(run: StreamRun, scenario: StreamScenario): void {
  const finished = new Set<number>();
  run.events.forEach((event, position) => {
    if (event.type === 'finish') {
      expect(finished.has(event.choice), `second finish for choice ${event.choice} at event ${position}`).toBe(false);
      finished.add(event.choice);
    } else if (isContent(event) && 'choice' in event) {
      const message = `${event.type} at event ${position} after choice ${event.choice} finished`;
      expect(finished.has(event.choice), message).toBe(false);
    }
  });
  if (errorScenarios.has(scenario)) return;
  const finishes = run.events.flatMap((event) => (event.type === 'finish' ? [event] : []));
  expect(
    finishes.map((event) => event.choice),
    'finished choices',
  ).toEqual([0]);
  if (expectedToolCalls[scenario] !== undefined) {
    expect(finishes[0]?.finishReason.unified, 'finish reason').toBe('tool-calls');
  }
}

/** Invariant 4: `usage` at most once (never in usage-absent), after every content event, with sane counts. */
function assertUsage(run: StreamRun, scenario: StreamScenario): void {
  const positions = run.events.flatMap((event, position) => (event.type === 'usage' ? [position] : []));
  expect(positions.length, 'usage events').toBeLessThanOrEqual(1);
  if (scenario === 'usage-absent') expect(positions, 'usage events in a stream without usage').toEqual([]);
  for (const event of run.events) if (event.type === 'usage') assertUsageCounts(event.usage);
  if (scenario !== 'usage-present') return;
  expect(positions, 'usage events').toHaveLength(1);
  expect(positions[0], 'usage position').toBeGreaterThan(run.events.findLastIndex(isContent));
  const usage = run.events.find((event) => event.type === 'usage');
  expect(usage?.type === 'usage' ? usage.usage.inputTokens.total : undefined, 'input total').toBeTypeOf('number');
  expect(usage?.type === 'usage' ? usage.usage.outputTokens.total : undefined, 'output total').toBeTypeOf('number');
}

/** Every count is a non-negative integer or undefined (unknown), and the input total covers the cache reads. */
export function assertUsageCounts(usage: Usage): void {
  const counts: Record<string, number | undefined> = {
    'input.total': usage.inputTokens.total,
    'input.noCache': usage.inputTokens.noCache,
    'input.cacheRead': usage.inputTokens.cacheRead,
    'input.cacheWrite': usage.inputTokens.cacheWrite,
    'output.total': usage.outputTokens.total,
    'output.text': usage.outputTokens.text,
    'output.reasoning': usage.outputTokens.reasoning,
  };
  for (const [name, value] of Object.entries(counts)) {
    const isValid = value === undefined || (Number.isInteger(value) && value >= 0);
    expect(isValid, `usage ${name} = ${String(value)}`).toBe(true);
  }
  const { total, cacheRead } = usage.inputTokens;
  if (total !== undefined && cacheRead !== undefined)
    expect(total, 'input total vs cacheRead').toBeGreaterThanOrEqual(cacheRead);
}

/** Invariant 5: `error` only in error scenarios, exactly once and last; text before it only in error-mid-stream. */
function assertErrors(run: StreamRun, scenario: StreamScenario): void {
  const positions = run.events.flatMap((event, position) => (event.type === 'error' ? [position] : []));
  if (!errorScenarios.has(scenario)) {
    expect(positions, 'error events').toEqual([]);
    return;
  }
  expect(positions, 'error positions (exactly one, the last event)').toEqual([run.events.length - 1]);
  const content = run.events.filter(isContent);
  if (scenario === 'error-before-output') expect(content, 'content before the error').toEqual([]);
  else
    expect(
      content.some((event) => event.type === 'text-delta'),
      'text before the error',
    ).toBe(true);
}

/** Invariant 6: `isComplete` is true exactly when the stream ended normally. */
function assertCompletion(run: StreamRun, scenario: StreamScenario): void {
  expect(run.isComplete, 'isComplete').toBe(!errorScenarios.has(scenario));
}

/** The per-run checks, by the name each test case carries. */
export const streamChecks: Readonly<Record<string, StreamCheck>> = {
  'response-start first, exactly once': assertResponseStart,
  'one tool-call-start per call, before its deltas; arguments are JSON': assertToolCalls,
  'at most one finish per choice, no content after it': assertFinish,
  'usage at most once, after the content, counts valid': assertUsage,
  'error is terminal and only in error scenarios': assertErrors,
  'isComplete matches how the stream ended': assertCompletion,
};

/** Runs raw SSE bytes through the real parser and a fresh reader, `chunkBytes` at a time (as createFixtureReaders does). */
export function readStreamBytes(
  createStreamReader: () => StreamReader,
  bytes: Uint8Array,
  chunkBytes: number,
): StreamRun {
  const reader = createStreamReader();
  const events: StreamEvent[] = [];
  const parser = createSseParser({
    eventBytesMax: 1 << 20,
    onEvent: (event) => events.push(...reader.readEvent(event.event, event.data)),
  });
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    parser.push(bytes.subarray(offset, offset + chunkBytes));
  }
  parser.end();
  events.push(...reader.end());
  return { events, isComplete: reader.isComplete };
}

/**
 * The stream without its heartbeats: SSE comment lines (`: keep-alive`, `: OPENROUTER PROCESSING`)
 * and whole `event: ping` frames (Anthropic). Fixtures use LF line ends.
 */
export function stripHeartbeats(text: string): string {
  return text
    .split('\n\n')
    .filter((frame) => !frame.split('\n').includes('event: ping'))
    .join('\n\n')
    .split('\n')
    .filter((line) => !line.startsWith(':'))
    .join('\n');
}
