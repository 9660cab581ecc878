export { computeCost, markupBasisPointsMax, markupBasisPointsMin } from './compute-cost.js';
export type { BillableCounts } from './compute-cost.js';
export { approximatePromptTokens, countTextTokens, estimatePromptTokens, sampleTextTokens } from './count-tokens.js';
export { findImpossibleUsage, meterUsage, tokensPerCallMax } from './meter-usage.js';
export type { ImpossibleUsage, MeterInput, UsageBounds } from './meter-usage.js';
export { renderNanos, renderUsdFixed, renderUsdText } from './render-nanos.js';
export { countO200kTokens, loadO200kTokens } from './o200k-tokens.js';
