import type { CacheControl } from '../../spec/index.js';
import { invalid, isObject } from './field-readers.js';
import type { JsonObject } from './field-readers.js';

/**
 * `cache_control: {type: 'ephemeral', ttl?}` on a block or content part (Anthropic's spelling, which OpenRouter also
 * accepts on OpenAI content parts), kept so Anthropic upstreams cache the same prefix.
 */
export function readCacheControl(block: JsonObject, param: string): CacheControl | undefined {
  const value = block['cache_control'];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || value['type'] !== 'ephemeral') {
    throw invalid(`${param}.cache_control`, "must be {type: 'ephemeral', ttl?}.");
  }
  return typeof value['ttl'] === 'string' ? { type: 'ephemeral', ttl: value['ttl'] } : { type: 'ephemeral' };
}
