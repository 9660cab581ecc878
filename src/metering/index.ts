export { computeCost } from './compute-cost.js';
export type { BillableCounts } from './compute-cost.js';
export { countTextTokens, estimatePromptTokens } from './count-tokens.js';
export { meterUsage } from './meter-usage.js';
export type { MeterInput } from './meter-usage.js';
