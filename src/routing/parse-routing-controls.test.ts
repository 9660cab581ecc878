import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { parseRoutingControls } from './parse-routing-controls.js';

function errorOf(raw: Record<string, unknown>): GatewayError {
  try {
    parseRoutingControls(raw);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('parseRoutingControls', () => {
  it('defaults to no fallback models, fallbacks allowed and parameters not required', () => {
    expect(parseRoutingControls({})).toStrictEqual({
      fallbackModels: [],
      provider: { allowFallbacks: true, requireParameters: false },
    });
  });

  it('reads every OpenRouter and Meridian provider field', () => {
    const controls = parseRoutingControls({
      models: ['moonshot/kimi-k2', 'meta/llama:floor'],
      route: 'fallback',
      provider: {
        order: ['deepseek', 'together'],
        only: ['deepseek', 'together', 'fireworks'],
        ignore: ['groq'],
        allow_fallbacks: false,
        sort: 'latency',
        max_price: { prompt: 0.5, completion: '2.19' },
        require_parameters: true,
        data_collection: 'deny',
        quantizations: ['FP8', 'bf16'],
        origin: ['cn', 'US'],
        region: ['us'],
      },
    });
    expect(controls).toStrictEqual({
      fallbackModels: ['moonshot/kimi-k2', 'meta/llama:floor'],
      provider: {
        order: ['deepseek', 'together'],
        only: ['deepseek', 'together', 'fireworks'],
        ignore: ['groq'],
        allowFallbacks: false,
        sort: 'latency',
        maxPrice: { promptNanosPerMillion: 500_000_000n, completionNanosPerMillion: 2_190_000_000n },
        requireParameters: true,
        dataCollection: 'deny',
        quantizations: ['fp8', 'bf16'],
        origin: ['CN', 'US'],
        region: ['US'],
      },
    });
  });

  it('treats null as absent and empty lists as no list', () => {
    expect(
      parseRoutingControls({
        models: null,
        route: null,
        provider: { only: [], order: [], ignore: [], quantizations: [], origin: [], sort: null, max_price: {} },
      }),
    ).toStrictEqual({
      fallbackModels: [],
      provider: { allowFallbacks: true, requireParameters: false, maxPrice: {} },
    });
  });

  it.each([
    [0, 0n],
    [0.1, 100_000_000n],
    [0.28, 280_000_000n],
    [15, 15_000_000_000n],
    [1e-7, 100n],
    [1e-9, 1n],
    // Below one nano-unit: prices are whole nanos, so the ceiling floors to 0 exactly.
    [1.9e-10, 0n],
    [1.5e21, 1_500_000_000_000_000_000_000_000_000_000n],
    ['0.28', 280_000_000n],
    ['0.10', 100_000_000n],
    ['3', 3_000_000_000n],
    ['0.0000000019', 1n],
    [' 1.5 ', 1_500_000_000n],
  ])('parses max_price %s exactly to %s nanos per 1M', (input, nanos) => {
    expect(parseRoutingControls({ provider: { max_price: { prompt: input } } }).provider.maxPrice).toStrictEqual({
      promptNanosPerMillion: nanos,
    });
  });

  it('accepts route "fallback" and changes nothing', () => {
    expect(parseRoutingControls({ route: 'fallback' })).toStrictEqual(parseRoutingControls({}));
  });

  it.each([
    [{ models: 'a/b' }, 'models'],
    [{ models: Array.from({ length: 17 }, (_, index) => `m/${index}`) }, 'models'],
    [{ models: ['a/b', 'c/d', ''] }, 'models[2]'],
    [{ models: ['a/b', 7] }, 'models[1]'],
    [{ route: 'sort' }, 'route'],
    [{ provider: ['deepseek'] }, 'provider'],
    [{ provider: 'deepseek' }, 'provider'],
    [{ provider: { zdr: true } }, 'provider.zdr'],
    [{ provider: { Order: ['x'] } }, 'provider.Order'],
    [{ provider: { order: 'deepseek' } }, 'provider.order'],
    [{ provider: { order: ['deepseek', 3] } }, 'provider.order[1]'],
    [{ provider: { only: [''] } }, 'provider.only[0]'],
    [{ provider: { ignore: {} } }, 'provider.ignore'],
    [{ provider: { allow_fallbacks: 'false' } }, 'provider.allow_fallbacks'],
    [{ provider: { sort: 'fastest' } }, 'provider.sort'],
    [{ provider: { sort: { by: 'price' } } }, 'provider.sort'],
    [{ provider: { max_price: 1 } }, 'provider.max_price'],
    [{ provider: { max_price: { prompt: -1 } } }, 'provider.max_price.prompt'],
    [{ provider: { max_price: { completion: '-0.5' } } }, 'provider.max_price.completion'],
    [{ provider: { max_price: { prompt: '1e-3' } } }, 'provider.max_price.prompt'],
    [{ provider: { max_price: { prompt: 'cheap' } } }, 'provider.max_price.prompt'],
    [{ provider: { max_price: { prompt: Number.POSITIVE_INFINITY } } }, 'provider.max_price.prompt'],
    [{ provider: { max_price: { prompt: '1'.repeat(65) } } }, 'provider.max_price.prompt'],
    [{ provider: { max_price: { request: 1 } } }, 'provider.max_price.request'],
    [{ provider: { require_parameters: 1 } }, 'provider.require_parameters'],
    [{ provider: { data_collection: 'maybe' } }, 'provider.data_collection'],
    [{ provider: { quantizations: 'fp8' } }, 'provider.quantizations'],
    [{ provider: { origin: ['USA'] } }, 'provider.origin[0]'],
    [{ provider: { region: ['US', '1x'] } }, 'provider.region[1]'],
    [{ provider: { only: Array.from({ length: 65 }, (_, index) => `p${index}`) } }, 'provider.only'],
  ])('rejects %j with a 400 naming %s', (raw, param) => {
    const error = errorOf(raw);
    expect({ code: error.code, status: error.status, param: error.param }).toEqual({
      code: 'invalid_request',
      status: 400,
      param,
    });
    expect(error.message.startsWith(param)).toBe(true);
  });

  it('says which provider options exist when one is unknown', () => {
    expect(errorOf({ provider: { zdr: true } }).message).toBe(
      'provider.zdr is not a provider routing option (known: order, only, ignore, allow_fallbacks, sort, max_price, require_parameters, data_collection, quantizations, origin, region).',
    );
  });

  it('accepts exactly 16 fallback models', () => {
    const models = Array.from({ length: 16 }, (_, index) => `m/${index}`);
    expect(parseRoutingControls({ models }).fallbackModels).toEqual(models);
  });
});
