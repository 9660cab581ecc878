import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { planRoute } from './plan-route.js';
import type { PlanRouteInput } from './plan-route.js';
import {
  createPlanInput,
  createRoutingTestCatalog,
  createTestCatalog,
  createTestModel,
  describePlan,
  offPeakWindow,
  peakMs,
} from './test-support.js';

const catalog = createRoutingTestCatalog();
const deepseek = 'deepseek/deepseek-chat';
type Overrides = Partial<Omit<PlanRouteInput, 'controls'>> & { readonly raw?: Record<string, unknown> };

function plan(model: string, overrides: Overrides = {}): string[] {
  return describePlan(planRoute(createPlanInput(catalog, model, { nowMs: peakMs, ...overrides })));
}

function planError(model: string, overrides: Overrides = {}): GatewayError {
  try {
    plan(model, overrides);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

const sortPrice = { sort: 'price' } as const;
const utcMs = (hour: number, minute: number) => Date.UTC(2025, 0, 15, hour, minute);

describe('planRoute filters', () => {
  it('only keeps the listed providers and ignore drops the listed ones', () => {
    expect(plan(deepseek, { raw: { provider: { only: ['together', 'fireworks'], ...sortPrice } } })).toEqual([
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
    ]);
    expect(plan(deepseek, { raw: { provider: { ignore: ['fireworks'], ...sortPrice } } })).toEqual([
      `${deepseek}@deepseek`,
      `${deepseek}@together`,
    ]);
  });

  it('data_collection deny keeps endpoints whose own or provider policy is deny, never unknown ones', () => {
    const raw = { provider: { data_collection: 'deny' } };
    expect(plan(deepseek, { raw })).toEqual([`${deepseek}@together`]);
    expect(plan('moonshot/kimi-k2', { raw })).toEqual(['moonshot/kimi-k2@moonshot']);
    expect(plan(deepseek, { raw: { provider: { data_collection: 'allow' } } })).toHaveLength(3);
  });

  it('quantizations match case-insensitively; unknown quantization passes only when "unknown" is listed', () => {
    expect(plan(deepseek, { raw: { provider: { quantizations: ['fp8'] } } })).toEqual([`${deepseek}@deepseek`]);
    expect(plan(deepseek, { raw: { provider: { quantizations: ['fp16', 'unknown'] } } })).toEqual([
      `${deepseek}@together`,
      `${deepseek}@fireworks`,
    ]);
    expect(planError(deepseek, { raw: { provider: { quantizations: ['int4'] } } }).message).toContain(
      'quantizations excluded deepseek (quantization fp8), together (quantization fp16), fireworks (quantization unknown)',
    );
  });

  it('origin filters by the model author country, region by the provider country', () => {
    expect(plan(deepseek, { raw: { provider: { region: ['us'] } } })).toEqual([
      `${deepseek}@together`,
      `${deepseek}@fireworks`,
    ]);
    expect(plan(deepseek, { raw: { provider: { origin: ['cn'] } } })).toHaveLength(3);
    expect(plan(deepseek, { raw: { models: ['meta/llama'], provider: { origin: ['US'] } } })).toEqual([
      'meta/llama@together',
      'meta/llama@groq',
    ]);
  });

  it('require_parameters drops models that do not list every parameter the request uses', () => {
    const usedParameters = new Set(['tools', 'seed']);
    expect(plan(deepseek, { usedParameters })).toHaveLength(3);
    expect(
      plan(deepseek, { usedParameters: new Set(['tools']), raw: { provider: { require_parameters: true } } }),
    ).toHaveLength(3);
    expect(planError(deepseek, { usedParameters, raw: { provider: { require_parameters: true } } }).message).toBe(
      "No provider can serve this request under its routing controls. Model 'deepseek/deepseek-chat': require_parameters excluded deepseek (seed unsupported), together (seed unsupported), fireworks (seed unsupported).",
    );
  });

  it('drops models that declare their input kinds and take none of an image request; undeclared ones pass', () => {
    const image = new Set(['image']);
    const textOnly = createTestModel('acme/text', [{ provider: 'acme', prompt: '1', completion: '1' }], {
      checksInputModalities: true,
    });
    const vision = createTestModel('acme/vision', [{ provider: 'acme', prompt: '1', completion: '1' }], {
      inputModalities: ['text', 'image'],
      checksInputModalities: true,
    });
    const unknown = createTestModel('acme/unknown', [{ provider: 'acme', prompt: '1', completion: '1' }]);
    const modalCatalog = createTestCatalog([textOnly, vision, unknown]);
    const planIn = (model: string, overrides: Overrides = {}) =>
      describePlan(planRoute(createPlanInput(modalCatalog, model, overrides)));
    expect(planIn('acme/text')).toEqual(['acme/text@acme']);
    expect(planIn('acme/vision', { usedInputModalities: image })).toEqual(['acme/vision@acme']);
    expect(planIn('acme/unknown', { usedInputModalities: image })).toEqual(['acme/unknown@acme']);
    expect(planIn('acme/text', { usedInputModalities: image, raw: { models: ['acme/vision'] } })).toEqual([
      'acme/vision@acme',
    ]);
    let caught: unknown;
    try {
      planIn('acme/text', { usedInputModalities: new Set(['image', 'audio']) });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect({ ...(caught as GatewayError), message: (caught as GatewayError).message }).toMatchObject({
      code: 'invalid_request',
      param: 'messages',
      message:
        "No model named takes this request's input. Model 'acme/text': input_modalities excluded acme (no image, audio input).",
    });
  });

  it('drops endpoints whose context cannot hold the prompt plus the output cap (0 = unknown passes)', () => {
    expect(plan(deepseek, { promptTokensEstimate: 56_000, maxOutputTokens: 8_000 })).toHaveLength(3);
    expect(plan(deepseek, { promptTokensEstimate: 56_001, maxOutputTokens: 8_000 })).toEqual([
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
    ]);
    expect(plan(deepseek, { promptTokensEstimate: 64_001, maxOutputTokens: undefined })).toHaveLength(2);
    expect(
      planError(deepseek, { promptTokensEstimate: 200_000, raw: { provider: { only: ['deepseek'] } } }).message,
    ).toContain('context excluded deepseek (200000 + 0 tokens > 128000)');
  });
});

describe('planRoute max_price', () => {
  it('passes a price equal to the ceiling and fails one nano-unit above it', () => {
    expect(plan(deepseek, { raw: { provider: { max_price: { prompt: '0.28' } } } })).toEqual([`${deepseek}@deepseek`]);
    expect(plan(deepseek, { raw: { provider: { max_price: { prompt: 0.28 } } } })).toEqual([`${deepseek}@deepseek`]);
    expect(planError(deepseek, { raw: { provider: { max_price: { prompt: '0.279999999' } } } }).message).toBe(
      "No provider can serve this request under its routing controls. Model 'deepseek/deepseek-chat': max_price excluded deepseek (prompt 0.28 > 0.279999999), together (prompt 1.25 > 0.279999999), fireworks (prompt 0.90 > 0.279999999).",
    );
  });

  it('checks completion separately from prompt', () => {
    const ceiling = (completion: string) => ({ provider: { max_price: { prompt: '2', completion } } });
    expect(plan(deepseek, { raw: ceiling('0.9') })).toEqual([`${deepseek}@deepseek`, `${deepseek}@fireworks`]);
    expect(plan(deepseek, { raw: ceiling('0.42') })).toEqual([`${deepseek}@deepseek`]);
    expect(planError(deepseek, { raw: ceiling('0.419999999') }).message).toContain(
      'deepseek (completion 0.42 > 0.419999999)',
    );
  });

  it.each([
    ['17:00, inside the off-peak window', utcMs(17, 0), true],
    ['16:30, its first minute', utcMs(16, 30), true],
    ['00:29, its last minute after midnight', utcMs(0, 29), true],
    ['00:30, just past its end', utcMs(0, 30), false],
    ['16:29, just before it', utcMs(16, 29), false],
  ])('compares the price in force: a 0.14 ceiling at %s', (_label, nowMs, passes) => {
    const raw = { provider: { max_price: { prompt: 0.14, completion: '0.21' } } };
    if (passes) expect(plan(deepseek, { raw, nowMs })).toEqual([`${deepseek}@deepseek`]);
    else
      expect(planError(deepseek, { raw, nowMs }).message).toContain(
        'deepseek (prompt 0.28 > 0.14, completion 0.42 > 0.21)',
      );
  });

  it('orders by the price in force too: an off-peak window can make the dearer endpoint the cheapest', () => {
    const scheduled = createTestCatalog([
      createTestModel('sched/model', [
        { provider: 'a', prompt: '1', schedule: [{ ...offPeakWindow, prompt: '0.2', completion: '0' }] },
        { provider: 'b', prompt: '0.5' },
      ]),
    ]);
    const order = (nowMs: number) =>
      describePlan(planRoute(createPlanInput(scheduled, 'sched/model', { nowMs, raw: { provider: sortPrice } })));
    expect(order(peakMs)).toEqual(['sched/model@b', 'sched/model@a']);
    expect(order(utcMs(17, 0))).toEqual(['sched/model@a', 'sched/model@b']);
  });
});
