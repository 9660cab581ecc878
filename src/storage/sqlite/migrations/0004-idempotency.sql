-- Idempotency-Key records (PRODUCT.md §4, RELIABILITY.md decision 7 and INV-6).
-- One row per (API key, Idempotency-Key): the primary key makes concurrent claims
-- from several processes safe, since exactly one INSERT wins. A row is
-- 'in_progress' while its first request runs, and 'completed' once a 2xx result
-- is stored for replay. Failed runs delete their row so the client may retry.
CREATE TABLE idempotency_records (
  key_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
  response_status INTEGER,
  response_headers TEXT,
  response_body BLOB,
  created_at_ms INTEGER NOT NULL,
  completed_at_ms INTEGER,
  PRIMARY KEY (key_id, idempotency_key),
  CHECK (status = 'in_progress' OR (response_status IS NOT NULL AND response_headers IS NOT NULL AND response_body IS NOT NULL AND completed_at_ms IS NOT NULL))
);
-- Expiry and pruning scan by age.
CREATE INDEX idempotency_records_created ON idempotency_records (created_at_ms);
