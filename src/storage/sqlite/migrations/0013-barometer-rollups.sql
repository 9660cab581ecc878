-- The barometer's rollups: the sums of migration 0006 without org and key (src/analytics/group-rollup-rows.ts).
--
-- The per-key tables hold a row per bucket for every model, provider, app, org and key with traffic, so with many
-- keys a week's ranking across all orgs read hundreds of times the rows it needed: at 100 000 keys, about 50 M rows
-- (docs/deployment.md). These hold a row per bucket for every model, provider and app, whatever the number of keys.
-- Rankings and time series across all orgs read these; Activity and an org's own rankings still read the per-key
-- tables through their org index (src/analytics/sqlite/rollup-columns.ts: selectRollupTables).
--
-- Written like the per-key tables: in the generation batch's transaction, only for records that batch inserted, by
-- upserts that add (src/analytics/sqlite/apply-to-rollups.ts). Filled here from the per-key tables, which hold
-- exactly the same sums.
CREATE TABLE usage_barometer_quarter_hour (
  bucket_start_ms INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  author TEXT NOT NULL,
  origin TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  app TEXT NOT NULL,
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
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app)
) STRICT, WITHOUT ROWID;

CREATE TABLE usage_barometer_day (
  bucket_start_ms INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  author TEXT NOT NULL,
  origin TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  app TEXT NOT NULL,
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
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app)
) STRICT, WITHOUT ROWID;

INSERT INTO usage_barometer_quarter_hour
  SELECT bucket_start_ms, model_id, author, origin, provider_id, app, SUM(requests), SUM(requests_usage_estimated),
    SUM(requests_usage_unknown), SUM(tokens_prompt), SUM(tokens_completion), SUM(tokens_reasoning),
    SUM(tokens_cached), SUM(tokens_total), SUM(cost_nanos), SUM(upstream_cost_nanos)
  FROM usage_rollups_quarter_hour
  GROUP BY bucket_start_ms, model_id, author, origin, provider_id, app;

INSERT INTO usage_barometer_day
  SELECT bucket_start_ms, model_id, author, origin, provider_id, app, SUM(requests), SUM(requests_usage_estimated),
    SUM(requests_usage_unknown), SUM(tokens_prompt), SUM(tokens_completion), SUM(tokens_reasoning),
    SUM(tokens_cached), SUM(tokens_total), SUM(cost_nanos), SUM(upstream_cost_nanos)
  FROM usage_rollups_day
  GROUP BY bucket_start_ms, model_id, author, origin, provider_id, app;
