import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import type { OutboundAdapter } from './adapter-types.js';
import type { StreamRun, StreamScenario } from './protocol.case-checks.js';
import {
  assertUsageCounts,
  readStreamBytes,
  streamChecks,
  streamScenarios,
  stripHeartbeats,
} from './protocol.case-checks.js';

/**
 * The conformance suite every OUTBOUND protocol adapter passes (STYLE.md "Conformance",
 * after honojs/hono:src/router/common.case.test.ts): protocol.case.test.ts calls
 * `runOutboundConformance` once per adapter with its recorded fixtures. A scenario the
 * protocol does not have is registered as a skip whose title says why.
 */

export type { StreamScenario } from './protocol.case-checks.js';

/** Every scenario a protocol is asked for: the streamed ones, a 429 body, and a non-streaming response. */
export type Scenario = StreamScenario | 'rate-limit' | 'json-response';

/** A scenario this protocol has no fixture for, and why (a skip needs a reason). */
export interface MissingFixture {
  readonly fixture: undefined;
  readonly reason: string;
}

/** A fixture file name in the protocol's `__fixtures__/` folder, or the reason there is none. */
export type ScenarioFixture = string | MissingFixture;

export function noFixture(reason: string): MissingFixture {
  return { fixture: undefined, reason };
}

export interface ConformanceSubject {
  readonly adapter: OutboundAdapter;
  /** The protocol's test-support reader: fixture → real SSE parser → the adapter's stream reader. */
  readonly readFixtureStream: (name: string, chunkBytes?: number) => StreamRun;
  readonly readFixtureJson: (name: string) => unknown;
  /** Raw fixture bytes, for the truncation and heartbeat cases (which alter them before parsing). */
  readonly readFixtureBytes: (name: string) => Uint8Array;
  readonly fixtures: Readonly<Record<Scenario, ScenarioFixture>>;
  /** The vendor's own code/type string in the rate-limit body, which readErrorBody must report. */
  readonly rateLimitCode: string;
  /** False when the protocol sends each tool call whole (one arguments delta per call). */
  readonly streamsToolArguments: boolean;
  /**
   * Known adapter defects, by test title (`<scenario>: <check>`) → the defect. Those cases are
   * registered with `it.fails`, so they turn red once the adapter is fixed and the entry must go.
   */
  readonly knownDefects?: Readonly<Record<string, string>>;
}

/** Chunk sizes every stream is fed at: byte by byte, an odd size, and a typical network read. */
const chunkSizes = [1, 7, 64] as const;

/** How much of the text fixture the truncation case keeps: its last 30% never arrives. */
const truncatedFraction = 0.7;

/** Bodies of a 5xx from a proxy or a broken upstream; readErrorBody must survive each. */
const hostileErrorBodies = ['not json <html>', '', '{"error":', 'null', '[]', '{}', '{"error":42}'];

/** Declares the outbound conformance cases for one adapter. */
export function runOutboundConformance(name: string, subject: ConformanceSubject): void {
  describe(`${name} outbound conformance`, () => {
    const register = createRegister(subject);
    for (const scenario of streamScenarios) describeStreamScenario(subject, scenario, register);
    describeTruncation(subject, register);
    describeErrorBodies(subject, register);
    describeResponses(subject, register);
    register('readEvent(undefined, "not json") on a fresh reader: one upstream_invalid_response error', () => {
      const events = subject.adapter.createStreamReader().readEvent(undefined, 'not json');
      expect(events.map((event) => event.type)).toEqual(['error']);
      const [error] = events;
      expect(error?.type === 'error' ? error.code : undefined).toBe('upstream_invalid_response');
    });
  });
}

type Register = (title: string, test: () => void) => void;

/**
 * `it`, or `it.fails` for a case listed in `knownDefects` (the title then names the defect).
 * With defects listed, one more case fails if an entry names no case, so a mistyped title cannot go unnoticed.
 */
function createRegister(subject: ConformanceSubject): Register {
  const defects = new Map(Object.entries(subject.knownDefects ?? {}));
  const registered = new Set<string>();
  if (defects.size > 0) {
    it('every knownDefects entry names a registered case', () => {
      expect([...defects.keys()].filter((title) => !registered.has(title))).toEqual([]);
    });
  }
  return (title, test) => {
    registered.add(title);
    const defect = defects.get(title);
    if (defect === undefined) it(title, test);
    else it.fails(`${title} [known defect: ${defect}]`, test);
  };
}

/** The fixture name, or undefined after registering the skip that says why there is none. */
function fixtureOrSkip(subject: ConformanceSubject, scenario: Scenario, title: string): string | undefined {
  const entry = subject.fixtures[scenario];
  if (typeof entry === 'string') return entry;
  it.skip(`${title} — skipped, no ${scenario} fixture: ${entry.reason}`, () => undefined);
  return undefined;
}

function describeStreamScenario(subject: ConformanceSubject, scenario: StreamScenario, register: Register): void {
  const fixture = fixtureOrSkip(subject, scenario, `${scenario} stream`);
  if (fixture === undefined) return;
  const runs = (): StreamRun[] => chunkSizes.map((size) => subject.readFixtureStream(fixture, size));
  describe(`${scenario} stream (${fixture})`, () => {
    register(`${scenario}: identical events at chunk sizes ${chunkSizes.join(', ')}`, () => {
      const [first, ...rest] = runs();
      for (const run of rest) expect(run).toEqual(first);
    });
    for (const [check, assert] of Object.entries(streamChecks)) {
      register(`${scenario}: ${check}`, () => {
        for (const run of runs()) assert(run, scenario, subject);
      });
    }
    if (scenario === 'heartbeat') {
      register('heartbeat: keep-alive and ping frames produce no events', () => {
        const bytes = subject.readFixtureBytes(fixture);
        const text = new TextDecoder().decode(bytes);
        const stripped = stripHeartbeats(text);
        expect(stripped, 'the fixture contains heartbeat frames').not.toBe(text);
        const create = (): ReturnType<OutboundAdapter['createStreamReader']> => subject.adapter.createStreamReader();
        for (const size of chunkSizes) {
          const withoutHeartbeats = readStreamBytes(create, new TextEncoder().encode(stripped), size);
          expect(readStreamBytes(create, bytes, size)).toEqual(withoutHeartbeats);
        }
      });
    }
  });
}

/** Invariant 6, second half: a stream cut off mid-way is not complete, and reading what arrived does not throw. */
function describeTruncation(subject: ConformanceSubject, register: Register): void {
  const title = `text truncated to ${truncatedFraction * 100}% of its bytes`;
  const fixture = fixtureOrSkip(subject, 'text', title);
  if (fixture === undefined) return;
  register(`${title}: no exception, isComplete false`, () => {
    const bytes = subject.readFixtureBytes(fixture);
    const cut = bytes.subarray(0, Math.floor(bytes.length * truncatedFraction));
    for (const size of chunkSizes) {
      const run = readStreamBytes(() => subject.adapter.createStreamReader(), cut, size);
      expect(run.isComplete, `isComplete at chunk size ${size}`).toBe(false);
      expect(run.events[0]?.type, `first event at chunk size ${size}`).toBe('response-start');
    }
  });
}

/** Invariant 8: readErrorBody reads the vendor's 429 and survives bodies that are not what it expects. */
function describeErrorBodies(subject: ConformanceSubject, register: Register): void {
  const fixture = fixtureOrSkip(subject, 'rate-limit', 'readErrorBody(429)');
  if (fixture !== undefined) {
    register(`readErrorBody(429, ${fixture}): a message and the code ${subject.rateLimitCode}`, () => {
      const body = new TextDecoder().decode(subject.readFixtureBytes(fixture));
      const result = subject.adapter.readErrorBody(429, body);
      expect(result.message.trim()).not.toBe('');
      expect(result.code).toBe(subject.rateLimitCode);
    });
  }
  register('readErrorBody(500, non-JSON or unexpected body): never throws, always a message', () => {
    for (const body of hostileErrorBodies) {
      const result = subject.adapter.readErrorBody(500, body);
      expect(result.message.trim(), `message for ${JSON.stringify(body)}`).not.toBe('');
    }
  });
}

/** Invariant 9: readResponse reads the recorded answer and rejects nonsense with a coded error. */
function describeResponses(subject: ConformanceSubject, register: Register): void {
  const fixture = fixtureOrSkip(subject, 'json-response', 'readResponse(json-response)');
  if (fixture !== undefined) {
    register(`readResponse(${fixture}): known usage, one choice with content and a finish reason`, () => {
      const result = subject.adapter.readResponse(subject.readFixtureJson(fixture));
      expect(result.choices).toHaveLength(1);
      expect(result.choices[0]?.content.length).toBeGreaterThan(0);
      expect(['stop', 'length', 'tool-calls', 'content-filter']).toContain(result.choices[0]?.finishReason.unified);
      expect(result.usage.inputTokens.total).toBeTypeOf('number');
      expect(result.usage.outputTokens.total).toBeTypeOf('number');
      assertUsageCounts(result.usage);
    });
  }
  register('readResponse(nonsense): throws GatewayError upstream_invalid_response', () => {
    for (const body of ['nonsense', {}, null, []]) {
      let thrown: unknown;
      try {
        subject.adapter.readResponse(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `readResponse(${JSON.stringify(body)})`).toBeInstanceOf(GatewayError);
      expect(thrown instanceof GatewayError ? thrown.code : undefined).toBe('upstream_invalid_response');
    }
  });
}
