-- Orgs, API keys (digests only) and generation records.
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  digest TEXT NOT NULL UNIQUE,
  display_prefix TEXT NOT NULL,
  last_four TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER,
  limit_nanos INTEGER,
  limit_reset TEXT NOT NULL DEFAULT 'none'
);
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE generations (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  app_referer TEXT,
  app_title TEXT,
  model_id TEXT NOT NULL,
  author TEXT NOT NULL,
  origin TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  upstream_model TEXT NOT NULL,
  upstream_id TEXT,
  is_streaming INTEGER NOT NULL,
  tokens_input_total INTEGER,
  tokens_input_cache_read INTEGER,
  tokens_input_cache_write INTEGER,
  tokens_output_total INTEGER,
  tokens_output_reasoning INTEGER,
  is_usage_estimated INTEGER NOT NULL,
  cost_nanos INTEGER NOT NULL CHECK (cost_nanos >= 0),
  upstream_cost_nanos INTEGER NOT NULL CHECK (upstream_cost_nanos >= 0),
  finish_reason TEXT,
  finish_reason_raw TEXT,
  ending TEXT NOT NULL,
  error_code TEXT,
  started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  ttft_ms INTEGER,
  throughput_tokens_per_second REAL,
  usage_raw TEXT
);
CREATE INDEX generations_org_started ON generations (org_id, started_at_ms);
CREATE INDEX generations_key_started ON generations (key_id, started_at_ms);
