-- The double-entry ledger and credit codes on PostgreSQL (src/ledger/postgres/, docs/credits.md): the end state of
-- SQLite migrations 0002, 0005 and 0007, laid out for several gateway nodes writing at once. Money is bigint (int8)
-- nano-units, read back as JS bigint; 1000000000000000000 (1e18 nanos = 1e9 USD) bounds every single amount, and an
-- overflowing sum fails the statement ("bigint out of range") instead of being stored.
--
-- Where the layout differs from SQLite, and why (the ports answer the same either way; `verify` checks every cache):
-- - ledger_org_balances: one row per org with its available, held and charged totals (SQLite keeps the two org
--   accounts in ledger_balances and the charged total in ledger_org_totals). Admission is one conditional UPDATE of
--   this row, and its row lock is what serialises every node's writes to one org (ADR 2026-11-30-cluster-storage).
-- - ledger_key_totals: each key's active holds and all-time charges, moved under its org's row lock, so admission
--   reads a key's numbers as of the lock (a plain read would see the statement's older snapshot).
-- - ledger_balances + ledger_balance_deltas: platform accounts (revenue, grants, expenses, provider payables) are
--   touched by every settlement of every org. A row per account updated in place would make all nodes queue on one
--   row lock and deadlock when two batches touch providers in different orders; instead each posting inserts its
--   platform deltas (no lock), and the reconciler folds them into ledger_balances. A platform account's cached
--   balance is its row plus its unfolded deltas.
-- - Posting ids come from an identity column: rolled-back inserts leave gaps, so ids are unique and increasing but
--   not 1..N without holes; append-only is enforced by triggers (update, delete and truncate) instead.

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END;
$$;

-- Append-only postings: each row moves `amount` from debit_account to credit_account.
CREATE TABLE ledger_postings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transfer_id text NOT NULL,
  debit_account text NOT NULL,
  credit_account text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000000),
  kind text NOT NULL CHECK (kind IN ('grant', 'hold', 'top_up', 'charge', 'release', 'expire', 'provider_cost', 'refund')),
  request_id text,
  attempt_id text,
  key_id text,
  created_at_ms bigint NOT NULL,
  CHECK (debit_account <> credit_account),
  CHECK (kind NOT IN ('hold', 'top_up', 'charge', 'release', 'expire') OR request_id IS NOT NULL),
  CHECK (kind <> 'provider_cost' OR (request_id IS NOT NULL AND attempt_id IS NOT NULL))
);

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings FOR EACH ROW
  EXECUTE FUNCTION ledger_refuse_change('ledger_postings is append-only: post a reversing entry instead');
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings FOR EACH ROW
  EXECUTE FUNCTION ledger_refuse_change('ledger_postings is append-only: post a reversing entry instead');
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings FOR EACH STATEMENT
  EXECUTE FUNCTION ledger_refuse_change('ledger_postings is append-only: post a reversing entry instead');

-- The database itself refuses a second hold, top-up, charge, release or expire for one request, and a second provider
-- cost for one (request, attempt) (INV-3); the two indexes are also how the postings of one request are found.
CREATE UNIQUE INDEX ledger_postings_once_per_request ON ledger_postings (request_id, kind)
  WHERE kind IN ('hold', 'top_up', 'charge', 'release', 'expire');
CREATE UNIQUE INDEX ledger_postings_once_per_attempt ON ledger_postings (request_id, attempt_id)
  WHERE kind = 'provider_cost';
-- A key's charges in the first, partial day of a limit window.
CREATE INDEX ledger_postings_key_charges ON ledger_postings (key_id, created_at_ms, amount) WHERE kind = 'charge';

-- Holds (pending transfers available → held), one per request, resolved exactly once. A free request holds 0: a row
-- without postings, so its settlement is still exactly once.
CREATE TABLE ledger_holds (
  request_id text PRIMARY KEY,
  org_id text NOT NULL,
  key_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0 AND amount <= 1000000000000000000),
  status text NOT NULL CHECK (status IN ('active', 'posted', 'expired')),
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  resolved_at_ms bigint,
  charged_nanos bigint,
  CHECK (
    CASE status
      WHEN 'active' THEN resolved_at_ms IS NULL AND charged_nanos IS NULL
      WHEN 'posted' THEN resolved_at_ms IS NOT NULL AND charged_nanos >= 0
      ELSE resolved_at_ms IS NOT NULL AND charged_nanos = 0
    END
  )
);
CREATE INDEX ledger_holds_active_expiry ON ledger_holds (expires_at_ms) WHERE status = 'active';
CREATE INDEX ledger_holds_active_key ON ledger_holds (key_id, amount) WHERE status = 'active';

-- A hold changes once, from active to posted or expired, and nothing else about it changes.
CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE ON ledger_holds FOR EACH ROW
  WHEN (
    OLD.status <> 'active' OR NEW.status = 'active'
    OR NEW.request_id IS DISTINCT FROM OLD.request_id OR NEW.org_id IS DISTINCT FROM OLD.org_id
    OR NEW.key_id IS DISTINCT FROM OLD.key_id OR NEW.amount IS DISTINCT FROM OLD.amount
    OR NEW.created_at_ms IS DISTINCT FROM OLD.created_at_ms OR NEW.expires_at_ms IS DISTINCT FROM OLD.expires_at_ms
  )
  EXECUTE FUNCTION ledger_refuse_change('a ledger hold is resolved exactly once (active to posted or expired)');
CREATE TRIGGER ledger_holds_no_delete BEFORE DELETE ON ledger_holds FOR EACH ROW
  EXECUTE FUNCTION ledger_refuse_change('ledger_holds rows are never deleted');
CREATE TRIGGER ledger_holds_no_truncate BEFORE TRUNCATE ON ledger_holds FOR EACH STATEMENT
  EXECUTE FUNCTION ledger_refuse_change('ledger_holds rows are never deleted');

-- Grants by id, so a repeated grant posts nothing (INV-6). An org's granted total is the sum of its grants.
CREATE TABLE ledger_grants (
  grant_id text PRIMARY KEY,
  org_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000000),
  created_at_ms bigint NOT NULL
);
CREATE INDEX ledger_grants_org ON ledger_grants (org_id, amount);

CREATE TRIGGER ledger_grants_no_update BEFORE UPDATE ON ledger_grants FOR EACH ROW
  EXECUTE FUNCTION ledger_refuse_change('ledger_grants is append-only');
CREATE TRIGGER ledger_grants_no_delete BEFORE DELETE ON ledger_grants FOR EACH ROW
  EXECUTE FUNCTION ledger_refuse_change('ledger_grants is append-only');
CREATE TRIGGER ledger_grants_no_truncate BEFORE TRUNCATE ON ledger_grants FOR EACH STATEMENT
  EXECUTE FUNCTION ledger_refuse_change('ledger_grants is append-only');

-- Cached balances of the org accounts `org:<id>:available` and `org:<id>:held`, and the org's charged total, moved
-- in the statement or transaction of each posting. A customer account never goes below zero.
CREATE TABLE ledger_org_balances (
  org_id text PRIMARY KEY,
  available_nanos bigint NOT NULL CHECK (available_nanos >= 0),
  held_nanos bigint NOT NULL CHECK (held_nanos >= 0),
  charged_nanos bigint NOT NULL CHECK (charged_nanos >= 0)
);

-- Cached per key: the sum of its active holds and of all its charges, moved under its org's row lock.
CREATE TABLE ledger_key_totals (
  key_id text PRIMARY KEY,
  org_id text NOT NULL,
  held_nanos bigint NOT NULL CHECK (held_nanos >= 0),
  charged_nanos bigint NOT NULL CHECK (charged_nanos >= 0)
);

-- Cached charges per key and UTC day, so admission reads a key's window spend from at most ~31 rows.
CREATE TABLE ledger_key_spend_days (
  key_id text NOT NULL,
  day_start_ms bigint NOT NULL,
  charged_nanos bigint NOT NULL CHECK (charged_nanos > 0),
  PRIMARY KEY (key_id, day_start_ms)
);

-- Folded cached balances of the platform accounts (every account but `org:…`), and the deltas not folded yet.
CREATE TABLE ledger_balances (
  account text PRIMARY KEY CHECK (left(account, 4) <> 'org:'),
  balance bigint NOT NULL
);

CREATE TABLE ledger_balance_deltas (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account text NOT NULL CHECK (left(account, 4) <> 'org:'),
  delta bigint NOT NULL CHECK (delta <> 0)
);
CREATE INDEX ledger_balance_deltas_account ON ledger_balance_deltas (account, delta);

-- Redeemable prepaid credit codes: stored as SHA-256 digests (the codes carry 128 random bits), redeemed once.
CREATE TABLE credit_codes (
  digest text PRIMARY KEY,
  amount bigint NOT NULL CHECK (amount > 0),
  created_at_ms bigint NOT NULL,
  redeemed_by_org text,
  redeemed_at_ms bigint,
  CHECK ((redeemed_by_org IS NULL) = (redeemed_at_ms IS NULL))
);
