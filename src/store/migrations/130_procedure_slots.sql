-- Scheduled procedure slots (procedures.NAME.schedule): the row is the claim, so each slot runs (or
-- posts its card) once however many replicas fire it, with or without Redis.
CREATE TABLE procedure_slots (
  procedure   text        NOT NULL,
  slot        timestamptz NOT NULL,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (procedure, slot)
);
