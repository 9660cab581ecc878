export { computeCost, markupBasisPointsMax, markupBasisPointsMin } from './compute-cost.js';
export type { BillableCounts } from './compute-cost.js';
export { countTextTokens, estimatePromptTokens } from './count-tokens.js';
export { meterUsage, tokensPerCallMax } from './meter-usage.js';
export type { MeterInput } from './meter-usage.js';
export { renderNanos } from './render-nanos.js';
