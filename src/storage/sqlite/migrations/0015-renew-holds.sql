-- A running call's hold may be renewed: while a hold is active, its expiry may move later (never earlier), so the
-- node running a long call keeps the reconciler from expiring its hold mid-call. Resolution is unchanged: once, from
-- active to posted or expired, with nothing else about the hold changing.
DROP TRIGGER ledger_holds_resolve_once;

CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE ON ledger_holds
WHEN OLD.status <> 'active'
  OR NEW.request_id IS NOT OLD.request_id OR NEW.org_id IS NOT OLD.org_id OR NEW.key_id IS NOT OLD.key_id
  OR NEW.amount IS NOT OLD.amount OR NEW.created_at_ms IS NOT OLD.created_at_ms
  OR (NEW.status = 'active' AND NEW.expires_at_ms <= OLD.expires_at_ms)
  OR (NEW.status <> 'active' AND NEW.expires_at_ms IS NOT OLD.expires_at_ms)
BEGIN
  SELECT RAISE(ABORT, 'a ledger hold is resolved exactly once (active to posted or expired); only an active hold''s expiry may move, and only later');
END;
