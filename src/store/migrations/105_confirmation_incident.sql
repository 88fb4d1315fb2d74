-- The incident a confirmation's request counted for (its channel, card, service or an explicit
-- `--incident`), so the confirmed step's events count for it too, wherever Confirm is pressed.
ALTER TABLE confirmations ADD COLUMN incident_id text;
