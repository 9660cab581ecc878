-- Usage rollups for the barometer and Activity (PRODUCT.md §5, src/analytics/).
--
-- Two grains of the same sums, both added to in the same transaction as the generation rows they count
-- (src/analytics/sqlite/apply-to-rollups.ts). The generation insert is idempotent by id and only newly
-- inserted records reach the rollups, so a replayed record is never counted twice; a late record lands in
-- its own old buckets. A record's buckets are those holding its finished_at_ms.
--
-- - usage_rollups_quarter_hour: 15-minute buckets. Every current IANA offset is a multiple of 15 minutes
--   (India +5:30, Nepal +5:45, Chatham +12:45), so any zone's day, ISO week and month boundaries fall on
--   bucket boundaries and are answered exactly.
-- - usage_rollups_day: UTC days. A zoned period is read as its whole UTC days from here plus, at each
--   end, the part of a UTC day it covers from the quarter-hours: a week ranking reads ~2 days of
--   quarter-hour rows instead of 14, which keeps it within PRODUCT.md §8's 50 ms over a year of rollups.
--
-- `app` is derived from X-Title / HTTP-Referer (src/analytics/convert-app-name.ts); '' = unattributed.
-- Unknown token counts are added as 0 and counted in requests_usage_unknown (prompt or completion count
-- unknown) so the gap stays visible; requests_usage_estimated counts records whose usage was estimated by
-- a local tokenizer. Money is INTEGER nano-USD, read back as bigint.
--
-- No CHECK constraints on the measures on purpose: a failing rollup upsert would roll back the generation
-- batch it rides in, and analytics must never cost a durable generation record.
CREATE TABLE usage_rollups_quarter_hour (
  bucket_start_ms INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  author TEXT NOT NULL,
  origin TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  app TEXT NOT NULL,
  org_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  requests INTEGER NOT NULL,
  requests_usage_estimated INTEGER NOT NULL,
  requests_usage_unknown INTEGER NOT NULL,
  tokens_prompt INTEGER NOT NULL,
  tokens_completion INTEGER NOT NULL,
  tokens_reasoning INTEGER NOT NULL,
  tokens_cached INTEGER NOT NULL,
  tokens_total INTEGER NOT NULL,
  cost_nanos INTEGER NOT NULL,
  upstream_cost_nanos INTEGER NOT NULL,
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app, org_id, key_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE usage_rollups_day (
  bucket_start_ms INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  author TEXT NOT NULL,
  origin TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  app TEXT NOT NULL,
  org_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  requests INTEGER NOT NULL,
  requests_usage_estimated INTEGER NOT NULL,
  requests_usage_unknown INTEGER NOT NULL,
  tokens_prompt INTEGER NOT NULL,
  tokens_completion INTEGER NOT NULL,
  tokens_reasoning INTEGER NOT NULL,
  tokens_cached INTEGER NOT NULL,
  tokens_total INTEGER NOT NULL,
  cost_nanos INTEGER NOT NULL,
  upstream_cost_nanos INTEGER NOT NULL,
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app, org_id, key_id)
) STRICT, WITHOUT ROWID;

-- The primary keys (clustered: WITHOUT ROWID) serve the barometer, which reads a contiguous range of
-- buckets across all orgs. These serve Activity and org-restricted rankings: one org's rows over a range.
CREATE INDEX usage_rollups_quarter_hour_org ON usage_rollups_quarter_hour (org_id, bucket_start_ms);
CREATE INDEX usage_rollups_day_org ON usage_rollups_day (org_id, bucket_start_ms);
