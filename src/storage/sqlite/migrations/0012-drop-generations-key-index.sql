-- generations_key_started (key_id, started_at_ms) served no query: the key's spend is read from the ledger
-- (ledger_key_spend_days, ledger_postings_key_charges), and lists go by org (generations_org_started). Each record
-- paid for it with one more B-tree insert in the group commit.
DROP INDEX IF EXISTS generations_key_started;
