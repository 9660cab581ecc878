import type { Ending } from '../storage/index.js';
import { createRandom, deriveSeed } from './create-random.js';
import type { Random } from './create-random.js';
import type { CallShape, CallTokens } from './draw-call-shape.js';
import { drawCallShape } from './draw-call-shape.js';
import { chineseShareAt } from './market-curve.js';
import type { RosterModel } from './market-roster.js';
import { weightAt } from './market-roster.js';
import type { SimulatedApp } from './simulated-apps.js';

export const hourMs = 3_600_000;
export const weekMs = 7 * 24 * hourMs;

/** One planned call: who sent it, to which model, what the provider reports, how it ended and when. */
export interface SimulatedCall {
  readonly generationId: string;
  readonly requestId: string;
  readonly app: SimulatedApp;
  readonly keyName: string;
  readonly model: RosterModel;
  readonly isStreaming: boolean;
  readonly maxOutputTokens: number | undefined;
  /** The prompt the client sent, in the provider's tokens: what admission sizes the hold with. */
  readonly promptTokens: number;
  /**
   * What the provider reports; undefined when the call failed before any output (the gateway then estimates the
   * prompt). After a client abort or an upstream error mid-stream, the output delivered so far, flagged estimated.
   */
  readonly tokens: CallTokens | undefined;
  readonly isUsageEstimated: boolean;
  /** As the pipeline hands it to settlement: an empty answer is a `success` that settlement turns into `no_output`. */
  readonly ending: Exclude<Ending, 'no_output'>;
  readonly finishReason: CallShape['finishReason'] | 'error' | undefined;
  readonly errorCode: 'upstream_error' | 'upstream_rate_limited' | 'upstream_timeout' | undefined;
  readonly startedAtMs: number;
  /** From the start to the first output token; undefined when none came. */
  readonly ttftMs: number | undefined;
  readonly latencyMs: number;
}

/** How calls end, percent (PRODUCT.md §4 billing rows); the rest succeed. */
export const endingPercents = {
  /** Empty answer: a success with no output tokens, charged 0. */
  empty: 0.4,
  clientAbort: 1.8,
  upstreamErrorAfterOutput: 0.7,
  /** Failed before any output (after the routing's fallbacks), charged 0. */
  errorBeforeOutput: 1.5,
} as const;

interface DrawnEnding {
  readonly ending: SimulatedCall['ending'];
  readonly tokens: CallTokens | undefined;
  readonly isUsageEstimated: boolean;
  readonly finishReason: SimulatedCall['finishReason'];
  readonly errorCode: SimulatedCall['errorCode'];
}

/** Output cut to `percent` of what the call would have produced (at least one token: output had flowed). */
function cutOutput(tokens: CallTokens, percent: number): CallTokens {
  const output = Math.max(1, Math.round((tokens.output * percent) / 100));
  return { ...tokens, output, reasoning: Math.min(tokens.reasoning, output) };
}

function drawEnding(random: Random, shape: CallShape): DrawnEnding {
  const draw = random.next() * 100;
  let threshold = endingPercents.empty;
  const full = { tokens: shape.tokens, isUsageEstimated: false, errorCode: undefined };
  if (draw < threshold) {
    return { ...full, ending: 'success', tokens: { ...shape.tokens, output: 0, reasoning: 0 }, finishReason: 'stop' };
  }
  threshold += endingPercents.clientAbort;
  if (draw < threshold) {
    const tokens = cutOutput(shape.tokens, random.integer(10, 90));
    return { ending: 'client_abort', tokens, isUsageEstimated: true, finishReason: undefined, errorCode: undefined };
  }
  threshold += endingPercents.upstreamErrorAfterOutput;
  if (draw < threshold) {
    const tokens = cutOutput(shape.tokens, random.integer(20, 95));
    return {
      ending: 'upstream_error_after_output',
      tokens,
      isUsageEstimated: true,
      finishReason: 'error',
      errorCode: 'upstream_error',
    };
  }
  threshold += endingPercents.errorBeforeOutput;
  if (draw < threshold) {
    const errorCode = (['upstream_error', 'upstream_rate_limited', 'upstream_timeout'] as const)[
      random.weighted([50, 30, 20])
    ];
    return { ending: 'error', tokens: undefined, isUsageEstimated: false, finishReason: undefined, errorCode };
  }
  return { ...full, ending: 'success', finishReason: shape.finishReason };
}

/** Time to first token (a base plus prefill of the uncached prompt) and the whole call, in ms. */
function drawTimings(random: Random, drawn: DrawnEnding): { ttftMs: number | undefined; latencyMs: number } {
  const tokens = drawn.tokens;
  if (tokens === undefined) return { ttftMs: undefined, latencyMs: random.logInteger(300, 30_000) };
  const prefillMs = Math.floor(((tokens.prompt - tokens.cacheRead) * 8) / 1_000 + tokens.cacheRead / 1_000);
  const ttftMs = random.logInteger(250, 1_800) + prefillMs;
  if (tokens.output === 0) return { ttftMs: undefined, latencyMs: ttftMs + 50 };
  const tokensPerSecond = random.integer(25, 140);
  return { ttftMs, latencyMs: ttftMs + Math.ceil((tokens.output * 1_000) / tokensPerSecond) };
}

/** Each hour's weight in the week starting at `weekStartMs`, by the app's users' local clock and weekday. */
function createHourWeights(app: SimulatedApp, weekStartMs: number): number[] {
  return Array.from({ length: 7 * 24 }, (_, hour) => {
    const local = new Date(weekStartMs + hour * hourMs + app.utcOffsetHours * hourMs);
    const weekday = local.getUTCDay();
    const isWeekend = weekday === 0 || weekday === 6;
    return (app.curve[local.getUTCHours()] ?? 0) * (isWeekend ? app.weekendPercent : 100);
  });
}

const hex = (value: number, digits: number): string => value.toString(16).padStart(digits, '0');

export interface WeekTrafficInput {
  readonly seed: number;
  /** 0 for the window's last week; the market curve and the model weights are read at this offset. */
  readonly weeksAgo: number;
  readonly weekStartMs: number;
  readonly requestCount: number;
  readonly roster: readonly RosterModel[];
  readonly apps: readonly SimulatedApp[];
}

/**
 * The calls of one simulated week, in start order. Deterministic: the same seed, `weeksAgo`, count, roster and
 * apps give the same calls (a week's draws come from its own seed, so `--weeks 2` and `--weeks 8` agree on their
 * common weeks); `weekStartMs` only moves them in time. Every call starts and finishes inside the week.
 */
export function createWeekTraffic(input: WeekTrafficInput): SimulatedCall[] {
  const random = createRandom(deriveSeed(input.seed, input.weeksAgo));
  const byOrigin = (origin: RosterModel['origin']) => input.roster.filter((model) => model.origin === origin);
  const chinese = byOrigin('CN');
  const us = byOrigin('US');
  const chineseWeights = chinese.map((model) => weightAt(model.weights, input.weeksAgo));
  const usWeights = us.map((model) => weightAt(model.weights, input.weeksAgo));
  const chinesePercent = chineseShareAt(input.weeksAgo) * 100;
  const appWeights = input.apps.map((app) => app.weight);
  const hourWeights = input.apps.map((app) => createHourWeights(app, input.weekStartMs));
  const drafts = Array.from({ length: input.requestCount }, (_, draftIndex) => {
    const appIndex = random.weighted(appWeights);
    const app = input.apps[appIndex]!;
    const keyIndex = app.keyNames.length > 1 && !random.chance(75) ? random.integer(1, app.keyNames.length - 1) : 0;
    // Evenly spread rather than drawn: each week has exactly its share of Chinese-model calls (rounded).
    const isChinese =
      Math.floor(((draftIndex + 1) * chinesePercent) / 100) > Math.floor((draftIndex * chinesePercent) / 100);
    const model = isChinese ? chinese[random.weighted(chineseWeights)]! : us[random.weighted(usWeights)]!;
    const shape = drawCallShape(random, app.kind, model);
    const drawn = drawEnding(random, shape);
    const timings = drawTimings(random, drawn);
    const hour = random.weighted(hourWeights[appIndex]!);
    // The call finishes inside its hour, so it finishes inside the window (whose end may be now).
    const offsetMs = Math.floor(random.next() * Math.max(1, hourMs - timings.latencyMs));
    return {
      app,
      keyName: app.keyNames[keyIndex]!,
      model,
      isStreaming: shape.isStreaming,
      maxOutputTokens: shape.maxOutputTokens,
      promptTokens: shape.tokens.prompt,
      ...drawn,
      ...timings,
      startedAtMs: input.weekStartMs + hour * hourMs + offsetMs,
    };
  });
  // Stable sort: calls starting in the same millisecond keep their draw order.
  drafts.sort((left, right) => left.startedAtMs - right.startedAtMs);
  const runId = `${hex(input.seed, 8)}${hex(input.weeksAgo, 4)}`;
  return drafts.map((draft, index) => ({
    ...draft,
    generationId: `gen-${draft.startedAtMs}-${runId}${hex(index, 8)}`,
    requestId: `req_${'0'.repeat(12)}${runId}${hex(index, 8)}`,
  }));
}
