/**
 * Bounds on analytics queries, unit last. Each keeps one request's work bounded; a value outside them is a
 * 400 invalid_request ({@link AnalyticsQueryError}), never a silent clamp.
 */
export const analyticsLimits = {
  /** Rollup bucket width. 15 minutes: every current IANA offset is a multiple of it, so zoned days are exact. */
  rollupBucketMs: 15 * 60_000,
  /**
   * Largest token count of one generation taken as real (no model reads 10^8 tokens); a larger one counts as
   * unknown, so a garbage usage report cannot overflow a rollup sum and fail the generation batch it rides in.
   */
  rollupTokensPerRecordMax: 10 ** 12,
  /** Rows returned by a ranking when the caller names no limit. */
  rankingsLimitDefault: 10,
  /** Most rows a ranking returns; the rest is the "others" row. */
  rankingsLimitMax: 100,
  /** Most periods in one time series (a year of days); each period is one range read of the rollups. */
  timeSeriesPeriodCountMax: 366,
  /** Longest Activity range: one range read of an org's rollups, and at most this many day rows. */
  activityRangeDaysMax: 400,
  /** Longest app name kept in a rollup key; `X-Title` is client-chosen, so it is cut, not trusted. */
  appNameLengthMax: 100,
  /**
   * Distinct app names one org adds to the rollups per UTC day (per gateway process); a further name's usage counts
   * as unattributed. Bounds the rows a client can add to the barometer with made-up `X-Title`s.
   */
  appNamesPerOrgDayMax: 1_000,
  /** Org-days whose app names the bound above remembers (the oldest forgotten first): at most 256 000 names held. */
  appNameOrgDaysTrackedMax: 256,
  /** Longest time zone name looked up (the longest IANA name is 32 characters). */
  timeZoneNameLengthMax: 64,
  /** Largest privacy threshold accepted (requests per period). */
  minAppRequestsMax: 1_000_000_000,
} as const;
