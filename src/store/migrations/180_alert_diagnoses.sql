-- Diagnosed on arrival (a route's `diagnose:`): one row per alert group, inserted once by whichever
-- replica decides first, so a group's diagnosis runs once across replicas. `state` is what the card
-- says: running, done, failed (it ran; a step failed), storm (not run: the storm limit), skipped
-- (not run: a label could not be a param). started_at counts the storm limit's per-minute budget
-- and, with state running, its concurrency (a replica that died mid-run stops counting after 10 min).
CREATE TABLE alert_diagnoses (
  group_id     bigint      PRIMARY KEY REFERENCES alert_groups (id) ON DELETE CASCADE,
  procedure    text        NOT NULL,
  state        text        NOT NULL CHECK (state IN ('running', 'done', 'failed', 'storm', 'skipped')),
  run_id       text,
  note         text,
  holder       text,
  started_at   timestamptz,
  finished_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_diagnoses_started ON alert_diagnoses (started_at) WHERE started_at IS NOT NULL;
