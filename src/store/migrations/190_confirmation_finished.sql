-- A confirmed step is running from its decision (status 'confirmed') until finished_at. The step
-- runner's process sets it under the step's lease before giving the lease back; a process killed
-- mid-step never does, which is how the interrupted-step sweep tells a step whose process is gone
-- (finished_at NULL, lease no longer held by it) from one still running.
ALTER TABLE confirmations ADD COLUMN finished_at timestamptz;
-- 'owed' once the sweep marked the step interrupted and its note is still to be posted; 'shown' after.
-- Kept here, not only in memory, so a replica that dies between marking and posting leaves the note to the next pass.
ALTER TABLE confirmations ADD COLUMN interrupted_note text CHECK (interrupted_note IN ('owed', 'shown'));
-- Steps confirmed before this version ended long ago (or were recorded by the process that ran them).
UPDATE confirmations SET finished_at = COALESCE(decided_at, now()) WHERE status = 'confirmed';
CREATE INDEX confirmations_unfinished ON confirmations (decided_at) WHERE status = 'confirmed' AND finished_at IS NULL;
CREATE INDEX confirmations_note_owed ON confirmations (id) WHERE interrupted_note = 'owed';
