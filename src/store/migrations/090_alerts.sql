-- Alerts: one row per alert group (one card), one per alert (latest state per fingerprint), the
-- dedupe keys of notifications already stored, and the outbox of messages to post or update.
CREATE TABLE alert_groups (
  id                 bigserial   PRIMARY KEY,
  group_key          text        NOT NULL UNIQUE,
  source             text        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('firing', 'resolved')),
  alertname          text        NOT NULL,
  service            text,
  severity           text,
  channel            text        NOT NULL,
  route              integer,
  common_labels      jsonb       NOT NULL DEFAULT '{}',
  common_annotations jsonb       NOT NULL DEFAULT '{}',
  first_fired_at     timestamptz NOT NULL,
  last_change_at     timestamptz NOT NULL,
  resolved_at        timestamptz,
  acknowledged       jsonb,
  silence            jsonb,
  escalated          jsonb       NOT NULL DEFAULT '[]',
  incident_id        text,
  version            integer     NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_groups_firing ON alert_groups (status, first_fired_at) WHERE status = 'firing';

CREATE TABLE alerts (
  group_id      bigint      NOT NULL REFERENCES alert_groups (id) ON DELETE CASCADE,
  fingerprint   text        NOT NULL,
  status        text        NOT NULL CHECK (status IN ('firing', 'resolved')),
  labels        jsonb       NOT NULL,
  annotations   jsonb       NOT NULL DEFAULT '{}',
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz,
  generator_url text,
  dashboard_url text,
  panel_url     text,
  "values"      jsonb,
  seen          integer     NOT NULL DEFAULT 1,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, fingerprint)
);

-- A notification already stored: groupKey + status + fingerprints with their startsAt/endsAt
-- (never externalURL: HA pairs differ only there). Old keys are swept after a day.
CREATE TABLE alert_notifications (
  dedupe_key  text        PRIMARY KEY,
  group_id    bigint      NOT NULL REFERENCES alert_groups (id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Messages that must be posted or updated, stored in the transaction that changed what they show.
-- One row per message (key, e.g. "alert-group:42") and platform: a newer change only bumps
-- version and due_at, so a storm coalesces to the latest state. A worker claims due rows with
-- FOR UPDATE SKIP LOCKED (PostgreSQL and PGlite), renders from the current state, and deletes the
-- row only if its version is still the one it rendered. A crashed worker's claim expires.
CREATE TABLE outbox (
  id            bigserial   PRIMARY KEY,
  message_key   text        NOT NULL,
  platform      text        NOT NULL,
  channel       text        NOT NULL,
  version       integer     NOT NULL DEFAULT 1,
  due_at        timestamptz NOT NULL DEFAULT now(),
  claimed_by    text,
  claimed_until timestamptz,
  attempts      integer     NOT NULL DEFAULT 0,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_key, platform)
);
CREATE INDEX outbox_due ON outbox (due_at);
