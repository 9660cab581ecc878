-- Redeemable prepaid credit codes: stored as SHA-256 digests (the codes carry 128 random bits), redeemed once.
CREATE TABLE credit_codes (
  digest TEXT PRIMARY KEY,
  amount INTEGER NOT NULL CHECK (amount > 0),
  created_at_ms INTEGER NOT NULL,
  redeemed_by_org TEXT,
  redeemed_at_ms INTEGER,
  CHECK ((redeemed_by_org IS NULL) = (redeemed_at_ms IS NULL))
);
