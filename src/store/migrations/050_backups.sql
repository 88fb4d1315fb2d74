-- Backups. A row is written before the dump starts (status running) and becomes "complete" only
-- after the dump exited 0 and the upload finished; list, retention and restore trust only those.
CREATE TABLE backups (
  id text PRIMARY KEY,
  target text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
  trigger text NOT NULL,
  requested_by text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  size_bytes bigint,
  sha256 text,
  duration_ms integer,
  location text,
  error text
);
CREATE INDEX backups_target_started ON backups (target, started_at DESC);
-- One scheduled backup per target and slot, whatever the replicas do (belt to the Redis claim's braces).
CREATE UNIQUE INDEX backups_one_per_slot ON backups (target, trigger) WHERE trigger LIKE 'schedule:%';
