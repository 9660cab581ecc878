import { limits } from '../config/limits.js';
import type { Warning } from '../spec/index.js';
import type { RoutedCall } from './handle-model-call.js';

/** Room kept for the closing warning that says how many more were left out. */
const leftOutRoomBytes = 160;

/** Headers every model-call response carries: ids, the serving provider, and warnings. */
export function renderCallHeaders(
  routed: Pick<RoutedCall, 'call' | 'generationId' | 'endpoint' | 'attemptNumber' | 'warnings'>,
): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': routed.call.requestId,
    'request-id': routed.call.requestId,
    'x-meridian-generation-id': routed.generationId,
    'x-meridian-provider': routed.endpoint.provider.id,
    'x-meridian-attempts': String(routed.attemptNumber),
  };
  if (routed.warnings.length > 0) headers['x-meridian-warnings'] = renderWarningsHeader(routed.warnings);
  return headers;
}

/** Warnings as a header of at most `limits.warningsHeaderBytesMax`: the first ones whole, then how many more. */
function renderWarningsHeader(warnings: readonly Warning[]): string {
  const whole = toHeaderJson(warnings);
  if (whole.length <= limits.warningsHeaderBytesMax) return whole;
  const kept: Warning[] = [];
  let bytes = 2 + leftOutRoomBytes;
  for (const warning of warnings) {
    bytes += toHeaderJson(warning).length + 1;
    if (bytes > limits.warningsHeaderBytesMax) break;
    kept.push(warning);
  }
  const leftOut = warnings.length - kept.length;
  const message = `${leftOut} more warnings are not listed here (limits.warningsHeaderBytesMax).`;
  return toHeaderJson([...kept, { type: 'other', message }]);
}

/**
 * JSON that is a valid header value: non-ASCII characters (a client's field name in Chinese, say) are written as
 * `\uXXXX` escapes, which JSON readers decode back; Node refuses them raw in a header.
 */
export function toHeaderJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
