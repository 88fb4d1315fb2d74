-- What a group's latest stored notification said: its dedupe key (state and content) and its state
-- key (status, fingerprints, starts and ends). A notification equal to the latest is a repeat; one
-- telling the latest state with other content (a summary "disk 99%" after "disk 91%") is an update,
-- even when that content was seen before (91% → 99% → 91%). Only a notification of another state is
-- looked up in alert_notifications (a late HA twin of an earlier state stays a repeat).
ALTER TABLE alert_groups ADD COLUMN last_dedupe_key text, ADD COLUMN last_state_key text;
