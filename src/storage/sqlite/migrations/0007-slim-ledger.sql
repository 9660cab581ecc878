-- Fewer B-trees touched per request (every commit writes at least one page of each table and index it changes).
--
-- ledger_postings: a plain INTEGER PRIMARY KEY instead of AUTOINCREMENT (no sqlite_sequence write per posting;
-- ids still run 1..N: the append-only triggers refuse deletes, so no id is ever freed and reissued), and only the
-- indexes something on the request path reads: the two partial unique indexes (INV-3, also how the postings of
-- one request are found), and the key-charges index (key limit windows). The request, debit and credit indexes
-- are gone: the org balance reads its granted total from ledger_grants (indexed by org below) and its charged
-- total from ledger_org_totals; reports and `verify` scan, as they did anyway.
--
-- ledger_holds: WITHOUT ROWID, keyed by request_id, so a hold is one B-tree (plus its two partial indexes), not a
-- rowid table and a separate primary-key index.
--
-- ledger_org_totals: each org's charged total, moved with every charge posting in its transaction, verified
-- against the postings by `verify` (INV-1) like the other caches.
--
-- Existing rows keep their ids and values. The old tables' triggers and indexes go with them and are recreated
-- as in 0002-ledger.sql.

CREATE TABLE ledger_postings_slim (
  id INTEGER PRIMARY KEY,
  transfer_id TEXT NOT NULL,
  debit_account TEXT NOT NULL,
  credit_account TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000000),
  kind TEXT NOT NULL CHECK (kind IN ('grant', 'hold', 'top_up', 'charge', 'release', 'expire', 'provider_cost', 'refund')),
  request_id TEXT,
  attempt_id TEXT,
  key_id TEXT,
  created_at_ms INTEGER NOT NULL,
  CHECK (debit_account <> credit_account),
  CHECK (kind NOT IN ('hold', 'top_up', 'charge', 'release', 'expire') OR request_id IS NOT NULL),
  CHECK (kind <> 'provider_cost' OR (request_id IS NOT NULL AND attempt_id IS NOT NULL))
) STRICT;

INSERT INTO ledger_postings_slim (id, transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id,
  key_id, created_at_ms)
SELECT id, transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, created_at_ms
FROM ledger_postings ORDER BY id;

-- Dropping a table fires none of its triggers; it takes its indexes, triggers and sqlite_sequence row with it.
DROP TABLE ledger_postings;
ALTER TABLE ledger_postings_slim RENAME TO ledger_postings;

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_postings is append-only: post a reversing entry instead');
END;

CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_postings is append-only: post a reversing entry instead');
END;

-- INV-3, and the way to the postings of one request: a query must repeat an index's WHERE term word for word
-- (`kind IN ('hold', 'top_up', 'charge', 'release', 'expire')`, `kind = 'provider_cost'`) for SQLite to use it.
CREATE UNIQUE INDEX ledger_postings_once_per_request ON ledger_postings (request_id, kind)
  WHERE kind IN ('hold', 'top_up', 'charge', 'release', 'expire');
CREATE UNIQUE INDEX ledger_postings_once_per_attempt ON ledger_postings (request_id, attempt_id)
  WHERE kind = 'provider_cost';
CREATE INDEX ledger_postings_key_charges ON ledger_postings (key_id, created_at_ms, amount) WHERE kind = 'charge';

CREATE TABLE ledger_holds_slim (
  request_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount >= 0 AND amount <= 1000000000000000000),
  status TEXT NOT NULL CHECK (status IN ('active', 'posted', 'expired')),
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

INSERT INTO ledger_holds_slim (request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms,
  charged_nanos)
SELECT request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms, charged_nanos
FROM ledger_holds;

DROP TABLE ledger_holds;
ALTER TABLE ledger_holds_slim RENAME TO ledger_holds;

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

-- An org's granted total is the sum of its grants (rare rows; INV-6 checks them against the grant postings).
CREATE INDEX ledger_grants_org ON ledger_grants (org_id, amount);

-- Cached charged total per org (the org of each charge's debit account `org:<org id>:held`).
CREATE TABLE ledger_org_totals (
  org_id TEXT PRIMARY KEY,
  charged_nanos INTEGER NOT NULL CHECK (charged_nanos > 0)
) STRICT, WITHOUT ROWID;

INSERT INTO ledger_org_totals (org_id, charged_nanos)
SELECT substr(debit_account, 5, length(debit_account) - 9), SUM(amount)
FROM ledger_postings WHERE kind = 'charge' GROUP BY debit_account;
