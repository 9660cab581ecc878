-- A lease on an Idempotency-Key claim (src/idempotency/): the process running the first request renews
-- lease_until_ms while it runs. A claim whose lease lapsed (its process was killed mid-call) counts as absent, so a
-- retry with the same key runs instead of waiting, then answering 409, until the claim expired with the record (24 h).
-- NULL: a row written before this migration, or a completed one; such a claim lapses only by age, as before.
ALTER TABLE idempotency_records ADD COLUMN lease_until_ms INTEGER;
