-- Diagnoses per firing, and a diagnosis whose replica died.
--
-- A group that resolves and fires again (refired) starts a new episode: alert_groups.episode counts
-- them (1 for the first firing). alert_diagnoses keeps one row per group, the diagnosis of the
-- episode it names; a refired group gets a new decision (under the same storm limit) and a new
-- report in its card's thread, while the old report stays as it was: it belongs to the old firing.
--
-- A running diagnosis says it is alive through heartbeat_at (set when it is claimed, renewed every
-- 10 s by the replica running it). One whose heartbeat stopped past a deadline is marked
-- 'interrupted' by whichever replica's sweep updates it first; report_owed stays true until its
-- thread report says so (a replica that dies in between leaves it to the next sweep).
ALTER TABLE alert_groups ADD COLUMN episode integer NOT NULL DEFAULT 1;

ALTER TABLE alert_diagnoses ADD COLUMN episode integer NOT NULL DEFAULT 1;
ALTER TABLE alert_diagnoses ADD COLUMN heartbeat_at timestamptz;
ALTER TABLE alert_diagnoses ADD COLUMN report_owed boolean NOT NULL DEFAULT false;
ALTER TABLE alert_diagnoses DROP CONSTRAINT alert_diagnoses_state_check;
ALTER TABLE alert_diagnoses ADD CONSTRAINT alert_diagnoses_state_check
  CHECK (state IN ('running', 'done', 'failed', 'storm', 'skipped', 'interrupted'));
-- Running before this migration: alive as of when it started, so the sweep judges it like any other.
UPDATE alert_diagnoses SET heartbeat_at = started_at WHERE state = 'running';
CREATE INDEX alert_diagnoses_running ON alert_diagnoses (heartbeat_at) WHERE state = 'running';
CREATE INDEX alert_diagnoses_report_owed ON alert_diagnoses (group_id) WHERE report_owed;
