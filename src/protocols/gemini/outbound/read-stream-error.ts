import type { StreamEvent } from '../../../spec/index.js';
import { asObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';

/**
 * A Gemini error chunk `{error: {code, message, status}}` → a canonical error event whose code is
 * Google's status name (`UNAVAILABLE`, `RESOURCE_EXHAUSTED`, …); undefined for any other chunk.
 */
export function readStreamError(chunk: JsonObject): Extract<StreamEvent, { type: 'error' }> | undefined {
  const error = chunk['error'];
  if (error === undefined || error === null) return undefined;
  const fields = asObject(error);
  const message =
    typeof fields?.['message'] === 'string' && fields['message'] !== ''
      ? fields['message']
      : typeof error === 'string'
        ? error
        : 'The provider reported an error mid-stream.';
  const status = fields?.['status'];
  return { type: 'error', message, code: typeof status === 'string' ? status : undefined, raw: error };
}
