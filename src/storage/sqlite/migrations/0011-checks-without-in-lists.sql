-- The ledger's CHECK constraints and partial-index predicates without `IN (…)` lists.
--
-- SQLite evaluates `x IN ('a', 'b', …)` inside a CHECK constraint or a partial index's WHERE by building an
-- ephemeral B-tree of the list on every execution of the statement: each INSERT INTO ledger_postings built three
-- (the two CHECKs on kind and the once-per-request index's WHERE), each INSERT or UPDATE of ledger_holds one. The
-- same conditions written as `x = 'a' OR x = 'b' OR …` compile to plain comparisons: a posting insert costs about
-- 6.5 µs instead of 11.7 here (docs/benchmarks.md, eighth session).
--
-- The conditions are the same sets, so every existing row satisfies them. The tables are rebuilt (SQLite cannot
-- change a CHECK in place); ids, rows, triggers and indexes are kept as 0007-slim-ledger.sql left them. Queries that
-- read through ledger_postings_once_per_request repeat its new WHERE term word for word
-- (src/ledger/sqlite/ledger-sql.ts).

CREATE TABLE ledger_postings_rebuilt (
  id INTEGER PRIMARY KEY,
  transfer_id TEXT NOT NULL,
  debit_account TEXT NOT NULL,
  credit_account TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000000),
  kind TEXT NOT NULL CHECK (kind = 'grant' OR kind = 'hold' OR kind = 'top_up' OR kind = 'charge' OR kind = 'release'
    OR kind = 'expire' OR kind = 'provider_cost' OR kind = 'refund'),
  request_id TEXT,
  attempt_id TEXT,
  key_id TEXT,
  created_at_ms INTEGER NOT NULL,
  CHECK (debit_account <> credit_account),
  CHECK (request_id IS NOT NULL OR NOT (kind = 'hold' OR kind = 'top_up' OR kind = 'charge' OR kind = 'release'
    OR kind = 'expire')),
  CHECK (kind <> 'provider_cost' OR (request_id IS NOT NULL AND attempt_id IS NOT NULL))
) STRICT;

INSERT INTO ledger_postings_rebuilt (id, transfer_id, debit_account, credit_account, amount, kind, request_id,
  attempt_id, key_id, created_at_ms)
SELECT id, transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, created_at_ms
FROM ledger_postings ORDER BY id;

DROP TABLE ledger_postings;
ALTER TABLE ledger_postings_rebuilt RENAME TO ledger_postings;

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_postings is append-only: post a reversing entry instead');
END;

CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_postings is append-only: post a reversing entry instead');
END;

CREATE UNIQUE INDEX ledger_postings_once_per_request ON ledger_postings (request_id, kind)
  WHERE (kind = 'hold' OR kind = 'top_up' OR kind = 'charge' OR kind = 'release' OR kind = 'expire');
CREATE UNIQUE INDEX ledger_postings_once_per_attempt ON ledger_postings (request_id, attempt_id)
  WHERE kind = 'provider_cost';
CREATE INDEX ledger_postings_key_charges ON ledger_postings (key_id, created_at_ms, amount) WHERE kind = 'charge';

CREATE TABLE ledger_holds_rebuilt (
  request_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount >= 0 AND amount <= 1000000000000000000),
  status TEXT NOT NULL CHECK (status = 'active' OR status = 'posted' OR status = 'expired'),
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  resolved_at_ms INTEGER,
  charged_nanos INTEGER,
  CHECK (
    CASE status
      WHEN 'active' THEN resolved_at_ms IS NULL AND charged_nanos IS NULL
      WHEN 'posted' THEN resolved_at_ms IS NOT NULL AND charged_nanos >= 0
      ELSE resolved_at_ms IS NOT NULL AND charged_nanos = 0
    END
  )
) STRICT, WITHOUT ROWID;

INSERT INTO ledger_holds_rebuilt (request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms,
  resolved_at_ms, charged_nanos)
SELECT request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms, charged_nanos
FROM ledger_holds;

DROP TABLE ledger_holds;
ALTER TABLE ledger_holds_rebuilt RENAME TO ledger_holds;

CREATE INDEX ledger_holds_active_expiry ON ledger_holds (expires_at_ms) WHERE status = 'active';
CREATE INDEX ledger_holds_active_key ON ledger_holds (key_id, amount) WHERE status = 'active';

CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE ON ledger_holds
WHEN OLD.status <> 'active' OR NEW.status = 'active'
  OR NEW.request_id IS NOT OLD.request_id OR NEW.org_id IS NOT OLD.org_id OR NEW.key_id IS NOT OLD.key_id
  OR NEW.amount IS NOT OLD.amount OR NEW.created_at_ms IS NOT OLD.created_at_ms
  OR NEW.expires_at_ms IS NOT OLD.expires_at_ms
BEGIN
  SELECT RAISE(ABORT, 'a ledger hold is resolved exactly once (active to posted or expired)');
END;

CREATE TRIGGER ledger_holds_no_delete BEFORE DELETE ON ledger_holds
BEGIN
  SELECT RAISE(ABORT, 'ledger_holds rows are never deleted');
END;
