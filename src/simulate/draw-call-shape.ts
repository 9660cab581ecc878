import type { Random } from './create-random.js';
import type { RosterModel } from './market-roster.js';
import type { AppKind } from './simulated-apps.js';

/** What the provider reports for a call that ran to its end (the ending may cut it short). */
export interface CallTokens {
  readonly prompt: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** All output tokens, reasoning included. */
  readonly output: number;
  readonly reasoning: number;
}

export interface CallShape {
  readonly tokens: CallTokens;
  readonly isStreaming: boolean;
  /** `max_tokens` as the app sends it; undefined when it sends none. */
  readonly maxOutputTokens: number | undefined;
  readonly finishReason: 'stop' | 'tool-calls' | 'length';
}

interface KindProfile {
  readonly promptTokens: readonly [number, number];
  /** Percent of calls whose prompt prefix is a cache hit, and the cached percent of the prompt then. */
  readonly cacheHitPercent: number;
  readonly cachedPercent: readonly [number, number];
  readonly outputTokens: readonly [number, number];
  /** Percent of the output that is reasoning, for models that reason. */
  readonly reasoningPercent: readonly [number, number];
  readonly maxOutputTokens: number | undefined;
  readonly streamingPercent: number;
  readonly toolCallsPercent: number;
  readonly lengthPercent: number;
  /** The app marks its prompt for caching (Anthropic `cache_control`): the uncached part is written to the cache. */
  readonly isCacheMarked: boolean;
}

const profiles: Readonly<Record<Exclude<AppKind, 'agent'>, KindProfile>> = {
  support: {
    promptTokens: [3_000, 24_000],
    cacheHitPercent: 75,
    cachedPercent: [60, 90],
    outputTokens: [60, 700],
    reasoningPercent: [15, 40],
    maxOutputTokens: 2_048,
    streamingPercent: 100,
    toolCallsPercent: 20,
    lengthPercent: 1,
    isCacheMarked: true,
  },
  chat: {
    promptTokens: [200, 12_000],
    cacheHitPercent: 45,
    cachedPercent: [50, 90],
    outputTokens: [80, 1_800],
    reasoningPercent: [30, 70],
    maxOutputTokens: undefined,
    streamingPercent: 90,
    toolCallsPercent: 0,
    lengthPercent: 2,
    isCacheMarked: false,
  },
  roleplay: {
    promptTokens: [3_000, 28_000],
    cacheHitPercent: 65,
    cachedPercent: [70, 95],
    outputTokens: [120, 650],
    reasoningPercent: [10, 30],
    maxOutputTokens: 1_024,
    streamingPercent: 100,
    toolCallsPercent: 0,
    lengthPercent: 3,
    isCacheMarked: false,
  },
  batch: {
    promptTokens: [1_500, 40_000],
    cacheHitPercent: 10,
    cachedPercent: [20, 50],
    outputTokens: [150, 2_500],
    reasoningPercent: [10, 30],
    maxOutputTokens: 4_096,
    streamingPercent: 0,
    toolCallsPercent: 0,
    lengthPercent: 4,
    isCacheMarked: false,
  },
};

/** Output assumed free in a context when the app sends no `max_tokens`, so the prompt leaves room to answer. */
const unboundedOutputReserveTokens = 8_192;
/** Tokens kept free in the context beyond the prompt and the output (headers, tool schemas counted differently). */
const contextMarginTokens = 1_024;
const agentMaxOutputTokens = 32_000;
const agentTurnsMax = 40;

/** The largest prompt that leaves the call's output room in every endpoint's context. */
function promptCap(model: RosterModel, maxOutputTokens: number | undefined): number {
  return model.contextLength - (maxOutputTokens ?? unboundedOutputReserveTokens) - contextMarginTokens;
}

function capOutput(model: RosterModel, requested: number | undefined): number | undefined {
  if (requested === undefined) return undefined;
  return model.maxOutputTokens === undefined ? requested : Math.min(requested, model.maxOutputTokens);
}

function drawReasoning(random: Random, model: RosterModel, output: number, percent: readonly [number, number]) {
  return model.isReasoning ? Math.round((output * random.integer(percent[0], percent[1])) / 100) : 0;
}

function drawFinish(random: Random, toolCallsPercent: number, lengthPercent: number): CallShape['finishReason'] {
  const draw = random.next() * 100;
  if (draw < lengthPercent) return 'length';
  return draw < lengthPercent + toolCallsPercent ? 'tool-calls' : 'stop';
}

/**
 * An agent turn: the whole conversation is sent again every call, so the prompt is the system prompt and repo
 * context plus every earlier turn, and all but the newest turn is normally a cache hit.
 */
function drawAgentCall(random: Random, model: RosterModel): CallShape {
  const maxOutputTokens = capOutput(model, agentMaxOutputTokens);
  const turn = random.integer(0, agentTurnsMax - 1);
  const baseTokens = random.logInteger(8_000, 30_000);
  const turnTokens = random.logInteger(1_200, 6_000);
  const prompt = Math.min(baseTokens + turn * turnTokens, promptCap(model, maxOutputTokens));
  const isHit = turn > 0 && random.chance(92);
  const cacheRead = isHit ? prompt - Math.min(turnTokens, prompt) : 0;
  const finishReason = drawFinish(random, 68, 2);
  const drawn = random.logInteger(120, 3_000);
  const output = finishReason === 'length' && maxOutputTokens !== undefined ? maxOutputTokens : drawn;
  return {
    tokens: {
      prompt,
      cacheRead,
      cacheWrite: model.reportsCacheWrites ? prompt - cacheRead : 0,
      output,
      reasoning: drawReasoning(random, model, output, [20, 60]),
    },
    isStreaming: true,
    maxOutputTokens,
    finishReason,
  };
}

/** Token counts, streaming and `max_tokens` of one call of an app of this kind to this model. */
export function drawCallShape(random: Random, kind: AppKind, model: RosterModel): CallShape {
  if (kind === 'agent') return drawAgentCall(random, model);
  const profile = profiles[kind];
  const maxOutputTokens = capOutput(model, profile.maxOutputTokens);
  const prompt = Math.min(
    random.logInteger(profile.promptTokens[0], profile.promptTokens[1]),
    promptCap(model, maxOutputTokens),
  );
  const cachedPercent = random.chance(profile.cacheHitPercent)
    ? random.integer(profile.cachedPercent[0], profile.cachedPercent[1])
    : 0;
  const cacheRead = Math.floor((prompt * cachedPercent) / 100);
  const finishReason = drawFinish(random, profile.toolCallsPercent, profile.lengthPercent);
  const drawn = random.logInteger(profile.outputTokens[0], profile.outputTokens[1]);
  const output = finishReason === 'length' && maxOutputTokens !== undefined ? maxOutputTokens : drawn;
  return {
    tokens: {
      prompt,
      cacheRead,
      cacheWrite: profile.isCacheMarked && model.reportsCacheWrites ? prompt - cacheRead : 0,
      output,
      reasoning: drawReasoning(random, model, output, profile.reasoningPercent),
    },
    isStreaming: random.chance(profile.streamingPercent),
    maxOutputTokens,
    finishReason,
  };
}
