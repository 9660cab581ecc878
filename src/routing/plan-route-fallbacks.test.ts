import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { planRoute, routeAttemptsMax } from './plan-route.js';
import type { PlanRouteInput } from './plan-route.js';
import {
  createFakeHealth,
  createPlanInput,
  createRoutingTestCatalog,
  createTestCatalog,
  createTestModel,
  describePlan,
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

/** `wide/model` with one endpoint per price (provider `p<price>`), and `other/model` with one endpoint (`q`). */
function createWideCatalog(prices: readonly string[]) {
  return createTestCatalog([
    createTestModel(
      'wide/model',
      prices.map((prompt) => ({ provider: `p${prompt}`, prompt })),
    ),
    createTestModel('other/model', [{ provider: 'q', prompt: '1' }]),
  ]);
}

describe('planRoute fallback models', () => {
  it('appends each fallback model’s endpoints in the order of models', () => {
    expect(plan(deepseek, { raw: { models: ['moonshot/kimi-k2', 'meta/llama'], provider: sortPrice } })).toEqual([
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
      'moonshot/kimi-k2@moonshot',
      'moonshot/kimi-k2@groq',
      'meta/llama@groq',
      'meta/llama@together',
    ]);
  });

  it('skips a fallback that repeats a planned model and one whose providers are not configured', () => {
    const raw = { models: [deepseek, 'openai/gpt-unconfigured', 'meta/llama'], provider: sortPrice };
    expect(plan(deepseek, { raw })).toEqual([
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
      'meta/llama@groq',
      'meta/llama@together',
    ]);
  });

  it('applies the filters to fallback models too', () => {
    expect(plan(deepseek, { raw: { models: ['moonshot/kimi-k2'], provider: { only: ['groq'] } } })).toEqual([
      'moonshot/kimi-k2@groq',
    ]);
  });

  it('rejects an unknown fallback model with a 400 naming models[i], even when the first model works', () => {
    const error = planError(deepseek, { raw: { models: ['meta/llama', 'acme/nope'] } });
    expect({ code: error.code, status: error.status, param: error.param }).toEqual({
      code: 'invalid_request',
      status: 400,
      param: 'models[1]',
    });
    expect(error.message).toBe(
      "models[1]: Model 'acme/nope' does not exist. GET /v1/models lists the available models.",
    );
  });

  it('serves from the fallbacks when the requested model is unknown or unconfigured', () => {
    expect(plan('acme/nope', { raw: { models: ['meta/llama'], provider: sortPrice } })).toEqual([
      'meta/llama@groq',
      'meta/llama@together',
    ]);
    expect(plan('openai/gpt-unconfigured', { raw: { models: ['meta/llama'] } })).toHaveLength(2);
  });

  it('surfaces the requested model’s own error when no model yields an attempt', () => {
    const unknown = planError('acme/nope', { raw: { models: ['meta/llama'], provider: { only: ['deepseek'] } } });
    expect({ code: unknown.code, status: unknown.status, param: unknown.param }).toEqual({
      code: 'model_not_found',
      status: 404,
      param: 'model',
    });
    expect(planError('openai/gpt-unconfigured').code).toBe('no_available_provider');
  });
});

describe('planRoute allow_fallbacks false', () => {
  it('plans exactly one attempt, the first after ordering, without fallback models', () => {
    const raw = { models: ['meta/llama'], provider: { allow_fallbacks: false } };
    expect(plan(deepseek, { raw })).toEqual([`${deepseek}@deepseek`]);
    expect(
      plan(deepseek, { raw: { provider: { allow_fallbacks: false, sort: 'price', ignore: ['deepseek'] } } }),
    ).toEqual([`${deepseek}@fireworks`]);
  });

  it('with order, takes the first ordered provider that passes the filters', () => {
    const provider = { allow_fallbacks: false, order: ['groq', 'together', 'fireworks'] };
    expect(plan(deepseek, { raw: { provider } })).toEqual([`${deepseek}@together`]);
    expect(
      plan(deepseek, { raw: { provider: { ...provider, data_collection: 'deny', order: ['fireworks', 'together'] } } }),
    ).toEqual([`${deepseek}@together`]);
  });

  it('with order, never falls back to a provider outside it', () => {
    const health = createFakeHealth({ unavailable: ['together/together-model'] });
    expect(plan(deepseek, { raw: { provider: { allow_fallbacks: false, order: ['together'] } }, health })).toEqual([
      `${deepseek}@together`,
    ]);
    expect(planError(deepseek, { raw: { provider: { allow_fallbacks: false, order: ['groq'] } } }).message).toBe(
      "No provider can serve this request under its routing controls. Model 'deepseek/deepseek-chat': order with allow_fallbacks false excluded deepseek, together, fireworks.",
    );
  });

  it('takes the first fallback model’s choice when the requested model has no candidate', () => {
    const raw = { models: ['moonshot/kimi-k2'], provider: { allow_fallbacks: false, only: ['groq'] } };
    expect(plan(deepseek, { raw })).toEqual(['moonshot/kimi-k2@groq']);
  });
});

describe('planRoute limits and errors', () => {
  it(`caps the plan at ${routeAttemptsMax} attempts`, () => {
    const prices = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];
    const wide = createTestCatalog([
      createTestModel(
        'wide/model',
        prices.map((prompt) => ({ provider: `p${prompt}`, prompt })),
      ),
    ]);
    const attempts = describePlan(planRoute(createPlanInput(wide, 'wide/model', { raw: { provider: sortPrice } })));
    expect(attempts).toEqual(prices.slice(0, routeAttemptsMax).map((prompt) => `wide/model@p${prompt}`));
  });

  it('leaves out the endpoints unavailable now when over the cap, so a fallback model that can serve is planned', () => {
    const prices = ['1', '2', '3', '4', '5', '6', '7', '8'];
    const wide = createWideCatalog(prices);
    const health = createFakeHealth({ unavailable: prices.map((prompt) => `p${prompt}/p${prompt}-model`) });
    const raw = { models: ['other/model'], provider: sortPrice };
    const attempts = describePlan(planRoute(createPlanInput(wide, 'wide/model', { raw, health })));
    expect(attempts).toEqual([
      'other/model@q',
      ...prices.slice(0, routeAttemptsMax - 1).map((prompt) => `wide/model@p${prompt}`),
    ]);
  });

  it('leaves out models the key may not use before the cap, so an allowed fallback is planned and errors name only those', () => {
    const prices = ['1', '2', '3', '4', '5', '6', '7', '8'];
    const wide = createWideCatalog(prices);
    const raw = { models: ['other/model'], provider: sortPrice };
    const allowedModelIds = ['other/model'];
    expect(describePlan(planRoute(createPlanInput(wide, 'wide/model', { raw, allowedModelIds })))).toEqual([
      'other/model@q',
    ]);
    const denied = (() => {
      try {
        planRoute(createPlanInput(wide, 'wide/model', { raw: { provider: sortPrice }, allowedModelIds }));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(denied).toBeInstanceOf(GatewayError);
    expect(denied).toMatchObject({
      code: 'permission_denied',
      status: 403,
      param: 'model',
      message: "This key may not use 'wide/model'; it is limited to: other/model.",
    });
  });

  it('says which filter excluded which provider, per model, as a 503 no_available_provider', () => {
    const error = planError(deepseek, {
      raw: {
        models: ['openai/gpt-unconfigured', 'moonshot/kimi-k2'],
        provider: { only: ['deepseek', 'together', 'moonshot'], max_price: { prompt: 0.1 } },
      },
    });
    expect({ code: error.code, status: error.status }).toEqual({ code: 'no_available_provider', status: 503 });
    expect(error.message).toBe(
      'No provider can serve this request under its routing controls. ' +
        "Model 'deepseek/deepseek-chat': max_price excluded deepseek (prompt 0.28 > 0.10), together (prompt 1.25 > 0.10); only excluded fireworks. " +
        "Model 'openai/gpt-unconfigured' is in the catalog but none of its providers is configured. Set the provider's API key variable (see GET /v1/models for what is available). " +
        "Model 'moonshot/kimi-k2': max_price excluded moonshot (prompt 0.60 > 0.10); only excluded groq.",
    );
  });
});
