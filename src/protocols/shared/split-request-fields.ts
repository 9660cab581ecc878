import type { ChatRequest, ProtocolId } from '../../spec/index.js';
import { invalid, isObject, pickFields } from './field-readers.js';
import type { JsonObject } from './field-readers.js';

/** OpenRouter's routing controls: read by routing, never forwarded upstream (every inbound protocol accepts them). */
const routingFields = new Set(['models', 'provider', 'route', 'transforms', 'plugins', 'usage']);

/** The body as an object and its `model`, or a 400 naming the field. */
export function readRequestHead(body: unknown): { readonly body: JsonObject; readonly model: string } {
  if (!isObject(body)) throw invalid('body', 'the request body must be a JSON object.');
  const model = body['model'];
  if (typeof model !== 'string' || model.trim() === '') throw invalid('model', 'must be a non-empty string.');
  return { body, model };
}

/**
 * The routing controls, and every field the codec does not model as passthrough tagged with its protocol
 * (forwarded only to an upstream of that protocol).
 */
export function splitRequestFields(
  body: JsonObject,
  modelled: ReadonlySet<string>,
  protocol: ProtocolId,
): Pick<ChatRequest, 'routingControls' | 'passthrough'> {
  return {
    routingControls: pickFields(body, (key) => routingFields.has(key)),
    passthrough: { protocol, fields: pickFields(body, (key) => !modelled.has(key) && !routingFields.has(key)) },
  };
}
