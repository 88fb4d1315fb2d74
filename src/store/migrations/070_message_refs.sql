-- What each long-lived message shows (its key, e.g. "backup-report:app:2026-12-01") and where it was
-- posted, per platform, so any replica can update it in place later. A row with no message_id is a
-- claim: a replica is posting it right now (claim_id says which attempt), and nobody else posts it.
-- rendered_hash is the sha256 of the Reply last shown, so an update that renders the same is skipped.
CREATE TABLE message_refs (
  key           text        NOT NULL,
  platform      text        NOT NULL,
  channel_id    text,
  message_id    text,
  rendered_hash text,
  claim_id      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, platform),
  CHECK ((channel_id IS NULL) = (message_id IS NULL))
);
