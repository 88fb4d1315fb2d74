-- Incidents: one row each, with its roles and chat channel. Declaring is idempotent per source (a
-- command delivery, an alert group, a button click): the unique source makes a second declare find
-- the first. Action items and post-mortem tickets hang off the incident.
CREATE SEQUENCE incident_numbers START 1;

CREATE TABLE incidents (
  id            text        PRIMARY KEY,
  number        integer     NOT NULL UNIQUE,
  title         text        NOT NULL,
  severity      text        NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
  status        text        NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  roles         jsonb       NOT NULL DEFAULT '{"lead": null, "comms": null, "scribe": null}',
  declared_by   jsonb       NOT NULL,
  declared_at   timestamptz NOT NULL DEFAULT now(),
  source        text        NOT NULL UNIQUE,
  channel       jsonb,
  alert_groups  jsonb       NOT NULL DEFAULT '[]',
  service       text,
  resolved_at   timestamptz,
  version       integer     NOT NULL DEFAULT 1
);
CREATE INDEX incidents_open ON incidents (declared_at) WHERE status <> 'resolved';

CREATE TABLE incident_action_items (
  id          bigserial   PRIMARY KEY,
  incident_id text        NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  text        text        NOT NULL,
  by_actor    jsonb       NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  done        boolean     NOT NULL DEFAULT false
);

-- Reminders and nudges that are due at a time: exactly one replica sends each (claimed with
-- FOR UPDATE SKIP LOCKED); a restart neither loses nor repeats them.
CREATE TABLE incident_reminders (
  id          bigserial   PRIMARY KEY,
  incident_id text        NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  kind        text        NOT NULL,
  due_at      timestamptz NOT NULL,
  sent_at     timestamptz,
  UNIQUE (incident_id, kind)
);
CREATE INDEX incident_reminders_due ON incident_reminders (due_at) WHERE sent_at IS NULL;

-- The post-mortem's ticket per incident and system (github, jira, dir): filed once across replicas
-- (a row with no ref is a claim), later updated in place.
CREATE TABLE postmortem_tickets (
  incident_id text        NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  system      text        NOT NULL,
  ref         text,
  url         text,
  claim_id    text,
  last_error  text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, system)
);
