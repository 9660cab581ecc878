-- Per-org markup; per-key expiry, disable switch, model allow-list and rate limits.
ALTER TABLE orgs ADD COLUMN markup_basis_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN expires_at_ms INTEGER;
ALTER TABLE api_keys ADD COLUMN allowed_models TEXT;
ALTER TABLE api_keys ADD COLUMN requests_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN tokens_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN concurrency_max INTEGER;
