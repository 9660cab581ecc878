import type { Warning } from '../../spec/index.js';

/**
 * A request's `top_k` into an upstream body that takes it as `top_k`, unless `refusal` says why this upstream cannot
 * take it now: then it is dropped with that reason as a warning (`x-meridian-warnings`).
 */
export function setTopK(
  body: Record<string, unknown>,
  topK: number | undefined,
  refusal: string | undefined,
  warnings: Warning[],
): void {
  if (topK === undefined) return;
  if (refusal === undefined) body['top_k'] = topK;
  else warnings.push({ type: 'unsupported-setting', setting: 'top_k', details: refusal });
}
