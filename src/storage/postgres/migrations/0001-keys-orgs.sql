-- Orgs, API keys (digests only), API-managed providers (sealed keys only) and Idempotency-Key records: the end state
-- of SQLite migrations 0001, 0003, 0004, 0008 and 0009 for these tables. Integers are bigint (int8, read back as JS
-- bigint and converted where the port says number); booleans are boolean. Text is compared with the database's
-- collation; listings order by `id COLLATE "C"` so they match SQLite's byte order on every server.

CREATE TABLE orgs (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at_ms bigint NOT NULL,
  -- Markup (or, negative, discount) on upstream prices, in basis points.
  markup_basis_points bigint NOT NULL DEFAULT 0,
  -- Opt-in prompt logging (docs/security.md): off for every org until an admin or the config turns it on.
  prompt_logging_enabled boolean NOT NULL DEFAULT false,
  prompt_logging_retention_days integer NOT NULL DEFAULT 30 CHECK (prompt_logging_retention_days BETWEEN 1 AND 365)
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs (id),
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  -- HMAC-SHA-256(pepper, secret), hex; the secret itself is never stored.
  digest text NOT NULL,
  display_prefix text NOT NULL,
  last_four text NOT NULL,
  created_at_ms bigint NOT NULL,
  revoked_at_ms bigint,
  limit_nanos bigint,
  limit_reset text NOT NULL DEFAULT 'none',
  disabled boolean NOT NULL DEFAULT false,
  expires_at_ms bigint,
  -- Model slugs the key may call, in the order given; NULL = any.
  allowed_models text[],
  requests_per_minute bigint,
  tokens_per_minute bigint,
  concurrency_max bigint,
  -- Named, so the key store can report a duplicate digest the way the SQLite driver does.
  CONSTRAINT api_keys_digest_unique UNIQUE (digest)
);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Providers created through the management API (docs/providers-api.md). The API key is stored only sealed
-- (AES-256-GCM under a master key, bound to `provider:<id>`), its key id beside it for listings and rotation. The
-- declared models are one JSON array kept as the exact text written: read only to build the catalog.
CREATE TABLE providers (
  id text PRIMARY KEY,
  protocol text NOT NULL CHECK (protocol IN ('openai', 'anthropic', 'gemini')),
  base_url text NOT NULL,
  sealed_api_key text,
  api_key_key_id text,
  api_key_last_four text,
  models_json text NOT NULL,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  CHECK ((sealed_api_key IS NULL) = (api_key_key_id IS NULL)),
  CHECK (sealed_api_key IS NOT NULL OR api_key_last_four IS NULL)
);

-- Idempotency-Key records (PRODUCT.md §4, RELIABILITY.md decision 7 and INV-6). One row per (API key,
-- Idempotency-Key): the primary key decides between nodes, since exactly one INSERT (or one replacement of an
-- expired row, under its row lock) wins. 'in_progress' while the first request runs, 'completed' once a 2xx result
-- is stored for replay; failed runs delete their row so the client may retry.
CREATE TABLE idempotency_records (
  key_id text NOT NULL,
  idempotency_key text NOT NULL,
  fingerprint text NOT NULL,
  status text NOT NULL CHECK (status IN ('in_progress', 'completed')),
  response_status integer,
  response_headers text,
  response_body bytea,
  created_at_ms bigint NOT NULL,
  completed_at_ms bigint,
  PRIMARY KEY (key_id, idempotency_key),
  CHECK (
    status = 'in_progress'
    OR (
      response_status IS NOT NULL AND response_headers IS NOT NULL AND response_body IS NOT NULL
      AND completed_at_ms IS NOT NULL
    )
  )
);
-- Expiry and pruning scan by age.
CREATE INDEX idempotency_records_created ON idempotency_records (created_at_ms);
