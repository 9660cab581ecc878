export type * from './analytics-types.js';
export {
  activityGroupings,
  rankingDimensions,
  rankingPeriods,
  timeSeriesDimensions,
  timeSeriesIntervals,
  usageMeasures,
} from './analytics-types.js';
export { AnalyticsQueryError } from './analytics-query-error.js';
export { analyticsLimits } from './analytics-limits.js';
export { convertAppName } from './convert-app-name.js';
export { unlistedModelLabel } from './fold-unlisted-models.js';
export { parseInstant } from './parse-instant.js';
export { parseOneOf } from './parse-query-options.js';
export { parseTimeZone } from './time-zone.js';
export { applyToRollups } from './sqlite/apply-to-rollups.js';
export type { AdmitApp } from './app-name-budget.js';
export { createAppNameBudget } from './app-name-budget.js';
export { queryRankings } from './sqlite/query-rankings.js';
export { queryTimeSeries } from './sqlite/query-time-series.js';
export { queryActivity } from './sqlite/query-activity.js';
