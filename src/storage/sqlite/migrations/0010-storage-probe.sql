-- storage_probe: one row the embedded node rewrites to learn whether its database can be written again after a write
-- failed (disk full, read-only file system, I/O error). See src/storage/sqlite/sqlite-write-breaker.ts.
CREATE TABLE storage_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  probed_at_ms INTEGER NOT NULL
) STRICT;
