import { describe, expect, it } from 'vitest';
import { createSimulationCatalog } from './create-simulation-catalog.js';
import { createWeekTraffic, hourMs, weekMs } from './create-week-traffic.js';
import type { SimulatedCall } from './create-week-traffic.js';
import { chineseRoster, createRoster, usRoster, weightAt } from './market-roster.js';
import { simulatedApps } from './simulated-apps.js';

const roster = createRoster(createSimulationCatalog());
/** Monday, Mar 30 2026 00:00 UTC: the week MARKET.md reports last. */
const weekStartMs = Date.UTC(2026, 2, 30);
const lastWeek = (seed = 1, startMs = weekStartMs) =>
  createWeekTraffic({ seed, weeksAgo: 0, weekStartMs: startMs, requestCount: 2_000, roster, apps: simulatedApps });
const calls = lastWeek();
const count = (predicate: (call: SimulatedCall) => boolean): number => calls.filter(predicate).length;

function tokensByModel(list: readonly SimulatedCall[]): [string, number][] {
  const totals = new Map<string, number>();
  for (const call of list) {
    if (call.tokens !== undefined) {
      totals.set(call.model.id, (totals.get(call.model.id) ?? 0) + call.tokens.prompt + call.tokens.output);
    }
  }
  return [...totals].sort((left, right) => right[1] - left[1]);
}

describe('createWeekTraffic (seed 1, the last week, 2 000 requests)', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(lastWeek()).toEqual(calls);
    expect(tokensByModel(lastWeek(2))).not.toEqual(tokensByModel(calls));
  });

  it('has exactly the week’s share of Chinese-model calls and the seeded mix of endings', () => {
    expect(calls).toHaveLength(2_000);
    // 81.05 % of 2 000, rounded down: MARKET.md's 12.96 T of 15.99 T.
    expect(count((call) => call.model.origin === 'CN')).toBe(1_621);
    expect(count((call) => call.ending === 'success' && call.tokens?.output !== 0)).toBe(1_916);
    expect(count((call) => call.ending === 'success' && call.tokens?.output === 0)).toBe(5);
    expect(count((call) => call.ending === 'client_abort')).toBe(35);
    expect(count((call) => call.ending === 'upstream_error_after_output')).toBe(13);
    expect(count((call) => call.ending === 'error')).toBe(31);
  });

  it('makes Qwen3.6 Plus the week’s #1 model, followed by Chinese models, as reported', () => {
    expect(tokensByModel(calls).slice(0, 6)).toEqual([
      ['qwen/qwen3.6-plus', 27_516_760],
      ['xiaomi/mimo-v2-pro', 10_460_213],
      ['stepfun/step-3.5-flash', 8_519_205],
      ['z-ai/glm-5-turbo', 6_690_519],
      ['minimax/minimax-m2.7', 5_380_779],
      ['anthropic/claude-sonnet-4.5', 4_912_843],
    ]);
  });

  it('sends agent-style traffic: long prompts, mostly cached, streamed', () => {
    let prompt = 0;
    let cacheRead = 0;
    for (const call of calls) {
      prompt += call.tokens?.prompt ?? 0;
      cacheRead += call.tokens?.cacheRead ?? 0;
    }
    expect([prompt, cacheRead]).toEqual([98_484_611, 84_057_528]);
    expect(count((call) => call.isStreaming)).toBe(1_771);
    expect(simulatedApps.map((app) => count((call) => call.app === app))).toEqual([
      511, 349, 248, 163, 161, 160, 123, 118, 76, 91,
    ]);
  });

  it('follows a weekly rhythm: fewer calls on Saturday and Sunday', () => {
    expect(count((call) => [0, 6].includes(new Date(call.startedAtMs).getUTCDay()))).toBe(362);
  });

  it('keeps every call consistent with its model and inside the week', () => {
    for (const [index, call] of calls.entries()) {
      expect(call.startedAtMs).toBeGreaterThanOrEqual(index === 0 ? weekStartMs : calls[index - 1]!.startedAtMs);
      expect(call.startedAtMs + call.latencyMs).toBeLessThanOrEqual(weekStartMs + weekMs);
      expect(call.latencyMs).toBeLessThan(hourMs);
      expect(call.generationId).toMatch(/^gen-\d{13}-[0-9a-f]{20}$/);
      expect(call.promptTokens + (call.maxOutputTokens ?? 0)).toBeLessThanOrEqual(call.model.contextLength);
      if (call.maxOutputTokens !== undefined && call.tokens !== undefined) {
        expect(call.tokens.output).toBeLessThanOrEqual(call.maxOutputTokens);
      }
      const tokens = call.tokens;
      if (tokens === undefined) {
        expect([call.ending, call.ttftMs]).toEqual(['error', undefined]);
        continue;
      }
      expect(tokens.cacheRead + tokens.cacheWrite).toBeLessThanOrEqual(tokens.prompt);
      expect(tokens.reasoning).toBeLessThanOrEqual(tokens.output);
      if (!call.model.isReasoning) expect(tokens.reasoning).toBe(0);
      if (!call.model.reportsCacheWrites) expect(tokens.cacheWrite).toBe(0);
      expect(call.ttftMs === undefined).toBe(tokens.output === 0);
    }
    expect(new Set(calls.map((call) => call.generationId)).size).toBe(2_000);
  });

  it('moves in time only when the week moves by whole weeks', () => {
    const later = lastWeek(1, weekStartMs + weekMs);
    expect(later.map((call) => call.startedAtMs - weekMs)).toEqual(calls.map((call) => call.startedAtMs));
    expect(later.map((call) => call.tokens)).toEqual(calls.map((call) => call.tokens));
  });
});

describe('the market roster', () => {
  it('interpolates a model’s weight linearly between its points and holds it beyond them', () => {
    const qwen = chineseRoster[0]!.weights;
    expect([10, 5, 4, 3, 2, 1, 0].map((weeksAgo) => weightAt(qwen, weeksAgo))).toEqual([0, 0, 4, 12, 20, 28, 36]);
  });

  it('names catalog models of the declared origin, each once', () => {
    const ids = [...chineseRoster, ...usRoster].map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(roster.map((model) => `${model.id}:${model.origin}`)).toEqual([
      ...chineseRoster.map((entry) => `${entry.id}:CN`),
      ...usRoster.map((entry) => `${entry.id}:US`),
    ]);
  });
});
