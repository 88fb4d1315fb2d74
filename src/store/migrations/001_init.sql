-- Append-only record of everything that happened: commands, clicks, confirmations, denials,
-- alerts, status changes. Rows are never updated or deleted by the application.
CREATE TABLE timeline_events (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  invocation_id text        NOT NULL,
  incident_id   text,
  kind          text        NOT NULL,
  platform      text        NOT NULL,
  actor_id      text        NOT NULL,
  actor_name    text        NOT NULL,
  channel_id    text,
  channel_name  text,
  command       text,
  text          text,
  argv          jsonb,
  exit_code     integer,
  outcome       text,
  output        text,
  duration_ms   integer,
  detail        jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX timeline_events_invocation ON timeline_events (invocation_id);
CREATE INDEX timeline_events_incident ON timeline_events (incident_id, at) WHERE incident_id IS NOT NULL;

-- One mutating action per key (e.g. "service:api") at a time, across replicas. A table, not
-- advisory locks, because embedded PGlite is one session.
CREATE TABLE leases (
  key          text PRIMARY KEY,
  holder_id    text        NOT NULL,
  actor_name   text        NOT NULL,
  description  text        NOT NULL,
  acquired_at  timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);

CREATE TABLE confirmations (
  id             text PRIMARY KEY,
  invocation_id  text        NOT NULL,
  command        text        NOT NULL,
  plan           jsonb       NOT NULL,
  requested_by   jsonb       NOT NULL,
  channel        jsonb       NOT NULL,
  status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'cancelled')),
  decided_by     jsonb,
  decided_at     timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
