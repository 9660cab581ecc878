-- The barometer's rollups (SQLite 0013): the sums of usage_rollups_* without org and key
-- (src/analytics/group-rollup-rows.ts).
--
-- The per-key tables hold a row per bucket for every model, provider, app, org and key with traffic, so with many
-- keys a week's ranking across all orgs read hundreds of times the rows it needed: at 100 000 keys, about 50 M rows
-- (docs/deployment.md). These hold a row per bucket for every model, provider and app, whatever the number of keys.
-- Rankings and time series across all orgs read these; Activity and an org's own rankings still read the per-key
-- tables through their org index (selectRollupTables in src/analytics/sqlite/rollup-columns.ts).
--
-- Written like the per-key tables: in the generation batch's transaction, only for records that batch inserted, by
-- upserts that add (src/storage/postgres/postgres-rollups.ts). Filled here from the per-key tables, which hold
-- exactly the same sums.
CREATE TABLE usage_barometer_quarter_hour (
  bucket_start_ms bigint NOT NULL,
  model_id text NOT NULL,
  author text NOT NULL,
  origin text NOT NULL,
  provider_id text NOT NULL,
  app text NOT NULL,
  requests bigint NOT NULL,
  requests_usage_estimated bigint NOT NULL,
  requests_usage_unknown bigint NOT NULL,
  tokens_prompt bigint NOT NULL,
  tokens_completion bigint NOT NULL,
  tokens_reasoning bigint NOT NULL,
  tokens_cached bigint NOT NULL,
  tokens_total bigint NOT NULL,
  cost_nanos bigint NOT NULL,
  upstream_cost_nanos bigint NOT NULL,
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app)
);

CREATE TABLE usage_barometer_day (
  bucket_start_ms bigint NOT NULL,
  model_id text NOT NULL,
  author text NOT NULL,
  origin text NOT NULL,
  provider_id text NOT NULL,
  app text NOT NULL,
  requests bigint NOT NULL,
  requests_usage_estimated bigint NOT NULL,
  requests_usage_unknown bigint NOT NULL,
  tokens_prompt bigint NOT NULL,
  tokens_completion bigint NOT NULL,
  tokens_reasoning bigint NOT NULL,
  tokens_cached bigint NOT NULL,
  tokens_total bigint NOT NULL,
  cost_nanos bigint NOT NULL,
  upstream_cost_nanos bigint NOT NULL,
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app)
);

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
