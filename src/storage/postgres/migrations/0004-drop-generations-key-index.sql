-- generations_key_started (key_id, started_at_ms) served no query: the key's spend is read from the ledger and lists
-- go by org (generations_org_started). Each record paid for it with one more index insert.
DROP INDEX IF EXISTS generations_key_started;
