-- The double-entry ledger (RELIABILITY.md "Ledger model", src/ledger/ledger-types.ts).
-- Money is INTEGER nano-units (1e-9 USD), read back as bigint. The tables are STRICT, so an
-- integer overflow in `balance + delta` (which SQLite would turn into a REAL) is refused
-- instead of stored. 1000000000000000000 (1e18 nanos = 1e9 USD) bounds every single amount.

-- Append-only postings: each row moves `amount` from debit_account to credit_account.
CREATE TABLE ledger_postings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_postings is append-only: post a reversing entry instead');
END;

CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_postings is append-only: post a reversing entry instead');
END;

-- The database itself refuses a second hold, charge, release or expire for one request,
-- and a second provider cost for one (request, attempt) (INV-3).
CREATE UNIQUE INDEX ledger_postings_once_per_request ON ledger_postings (request_id, kind)
  WHERE kind IN ('hold', 'top_up', 'charge', 'release', 'expire');
CREATE UNIQUE INDEX ledger_postings_once_per_attempt ON ledger_postings (request_id, attempt_id)
  WHERE kind = 'provider_cost';
CREATE INDEX ledger_postings_request ON ledger_postings (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX ledger_postings_debit ON ledger_postings (debit_account, kind, amount);
CREATE INDEX ledger_postings_credit ON ledger_postings (credit_account, kind, amount);
CREATE INDEX ledger_postings_key_charges ON ledger_postings (key_id, created_at_ms, amount) WHERE kind = 'charge';

-- Cached balances, updated in the transaction of each posting; verified against the postings.
-- A customer account (org:…) never goes below zero: the database refuses an overdraft too.
CREATE TABLE ledger_balances (
  account TEXT PRIMARY KEY,
  balance INTEGER NOT NULL,
  CHECK (balance >= 0 OR substr(account, 1, 4) <> 'org:')
) STRICT;

-- Holds (pending transfers available → held), one per request, resolved exactly once. A free
-- request holds 0: a row without postings, so its settlement is still exactly once.
CREATE TABLE ledger_holds (
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
) STRICT;
CREATE INDEX ledger_holds_active_expiry ON ledger_holds (expires_at_ms) WHERE status = 'active';
CREATE INDEX ledger_holds_active_key ON ledger_holds (key_id, amount) WHERE status = 'active';

-- A hold changes once, from active to posted or expired, and nothing else about it changes.
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

-- Grants by id, so a repeated grant posts nothing (INV-6).
CREATE TABLE ledger_grants (
  grant_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000000),
  created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TRIGGER ledger_grants_no_update BEFORE UPDATE ON ledger_grants
BEGIN
  SELECT RAISE(ABORT, 'ledger_grants is append-only');
END;

CREATE TRIGGER ledger_grants_no_delete BEFORE DELETE ON ledger_grants
BEGIN
  SELECT RAISE(ABORT, 'ledger_grants is append-only');
END;

-- Cached charges per key and UTC day, updated with each charge posting, so admission reads a
-- key's window spend from at most ~31 rows instead of every charge in the window.
CREATE TABLE ledger_key_spend_days (
  key_id TEXT NOT NULL,
  day_start_ms INTEGER NOT NULL,
  charged_nanos INTEGER NOT NULL CHECK (charged_nanos > 0),
  PRIMARY KEY (key_id, day_start_ms)
) STRICT, WITHOUT ROWID;
