-- Generation records, the usage rollups and opted-in prompt content: the PostgreSQL end state of SQLite
-- migrations 0001 (generations), 0006 (usage rollups) and 0009 (generation_content). Written by one transaction
-- per batch (src/storage/postgres/postgres-generation-store.ts), which also settles each record's hold.
--
-- Types: money is bigint nano-USD and instants/durations are bigint milliseconds, read back exactly (int8 → bigint).
-- Token counts are double precision, not bigint: the port's counts are JS numbers and SQLite keeps whatever number
-- it is given, while the rollups count an impossible one (negative, fractional, above 10^12) as unknown. A bigint
-- column would instead refuse that record and with it the whole batch, settlements included. Every integer count up
-- to 2^53 is exact in a double. Throughput is double precision (SQLite REAL is a double; float4 would round it).
-- The id sorts bytewise (COLLATE "C"), as SQLite's BINARY does, whatever the database's collation: the Activity
-- list breaks ties by id.
CREATE TABLE generations (
  id text COLLATE "C" PRIMARY KEY,
  request_id text NOT NULL,
  org_id text NOT NULL,
  key_id text NOT NULL,
  app_referer text,
  app_title text,
  model_id text NOT NULL,
  author text NOT NULL,
  origin text NOT NULL,
  provider_id text NOT NULL,
  upstream_model text NOT NULL,
  upstream_id text,
  is_streaming boolean NOT NULL,
  tokens_input_total double precision,
  tokens_input_cache_read double precision,
  tokens_input_cache_write double precision,
  tokens_output_total double precision,
  tokens_output_reasoning double precision,
  is_usage_estimated boolean NOT NULL,
  cost_nanos bigint NOT NULL CHECK (cost_nanos >= 0),
  upstream_cost_nanos bigint NOT NULL CHECK (upstream_cost_nanos >= 0),
  finish_reason text,
  finish_reason_raw text,
  ending text NOT NULL,
  error_code text,
  started_at_ms bigint NOT NULL,
  finished_at_ms bigint NOT NULL,
  latency_ms bigint NOT NULL,
  ttft_ms bigint,
  throughput_tokens_per_second double precision,
  usage_raw text
);
-- The Activity list (one org's latest, newest first) and per-key reads.
CREATE INDEX generations_org_started ON generations (org_id, started_at_ms);
CREATE INDEX generations_key_started ON generations (key_id, started_at_ms);

-- Usage rollups (see SQLite 0006 for the two grains): 15-minute buckets, and UTC days. Each record adds to the
-- buckets holding its finished_at_ms, in the transaction that inserted it and only if that insert added it (the
-- insert is idempotent by id), so a replay is never counted twice. Several nodes add to one bucket safely: each
-- add is `INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`, which locks the row and adds to its committed
-- value. No CHECK constraints on the measures: a failing upsert would roll back the generation batch it rides in.
CREATE TABLE usage_rollups_quarter_hour (
  bucket_start_ms bigint NOT NULL,
  model_id text NOT NULL,
  author text NOT NULL,
  origin text NOT NULL,
  provider_id text NOT NULL,
  app text NOT NULL,
  org_id text NOT NULL,
  key_id text NOT NULL,
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
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app, org_id, key_id)
);

CREATE TABLE usage_rollups_day (
  bucket_start_ms bigint NOT NULL,
  model_id text NOT NULL,
  author text NOT NULL,
  origin text NOT NULL,
  provider_id text NOT NULL,
  app text NOT NULL,
  org_id text NOT NULL,
  key_id text NOT NULL,
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
  PRIMARY KEY (bucket_start_ms, model_id, author, origin, provider_id, app, org_id, key_id)
);

-- The primary keys serve the barometer (a range of buckets across all orgs); these serve Activity and
-- org-restricted rankings (one org's rows over a range).
CREATE INDEX usage_rollups_quarter_hour_org ON usage_rollups_quarter_hour (org_id, bucket_start_ms);
CREATE INDEX usage_rollups_day_org ON usage_rollups_day (org_id, bucket_start_ms);

-- Prompts and completions of orgs that opted in (SQLite 0009): apart from the records, so turning logging off or a
-- retention passing deletes them without touching the records that money and analytics rely on. No foreign key to
-- orgs, as in SQLite: the insert itself checks the org's setting.
CREATE TABLE generation_content (
  generation_id text PRIMARY KEY,
  org_id text NOT NULL,
  created_at_ms bigint NOT NULL,
  prompt_json text NOT NULL,
  completion_json text NOT NULL
);
-- The purge walks each org's oldest rows first.
CREATE INDEX generation_content_org_created ON generation_content (org_id, created_at_ms);
