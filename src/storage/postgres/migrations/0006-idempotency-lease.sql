-- A lease on an Idempotency-Key claim (SQLite 0014, src/idempotency/): the node running the first request renews
-- lease_until_ms while it runs. A claim whose lease lapsed (its node was killed mid-call) counts as absent, so a retry
-- with the same key on any node runs instead of waiting, then answering 409, until the claim expired (24 h).
-- NULL: a row written before this migration, or a completed one; such a claim lapses only by age, as before.
ALTER TABLE idempotency_records ADD COLUMN lease_until_ms bigint;
