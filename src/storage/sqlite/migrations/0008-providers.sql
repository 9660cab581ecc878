-- Providers created through the management API (docs/providers-api.md). The API key is stored only sealed
-- (AES-256-GCM under a master key from MERIDIAN_MASTER_KEYS, bound to `provider:<id>`); its key id is kept
-- beside it for listings and rotation. The declared models are one JSON array: they are read only to build the
-- catalog, never queried by field.
CREATE TABLE providers (
  id TEXT PRIMARY KEY,
  protocol TEXT NOT NULL CHECK (protocol IN ('openai', 'anthropic', 'gemini')),
  base_url TEXT NOT NULL,
  sealed_api_key TEXT,
  api_key_key_id TEXT,
  api_key_last_four TEXT,
  models_json TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  CHECK ((sealed_api_key IS NULL) = (api_key_key_id IS NULL)),
  CHECK (sealed_api_key IS NOT NULL OR api_key_last_four IS NULL)
);
