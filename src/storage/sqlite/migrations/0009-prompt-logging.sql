-- Opt-in logging of prompts and completions per org (docs/security.md): off for every org until an admin or the
-- config file turns it on. Content rows live apart from the generation records, so turning logging off or a
-- retention passing deletes them without touching the records that money and analytics rely on.
ALTER TABLE orgs ADD COLUMN prompt_logging_enabled INTEGER NOT NULL DEFAULT 0 CHECK (prompt_logging_enabled IN (0, 1));
ALTER TABLE orgs ADD COLUMN prompt_logging_retention_days INTEGER NOT NULL DEFAULT 30
  CHECK (prompt_logging_retention_days BETWEEN 1 AND 365);

CREATE TABLE generation_content (
  generation_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  prompt_json TEXT NOT NULL,
  completion_json TEXT NOT NULL
);
-- The purge walks each org's oldest rows first.
CREATE INDEX generation_content_org_created ON generation_content (org_id, created_at_ms);
