-- The dead man's switch (alerts.watchdog): when Alertmanager's always-firing Watchdog alert was
-- last seen, and whether Firebreak's own "Alerting pipeline silent" alert is raised. Kept in the
-- store so every replica agrees on both: a Watchdog delivered to one replica counts for all, and
-- the silent alert is raised (and resolved) once whichever replica notices.
CREATE TABLE watchdog (
  alertname     text        PRIMARY KEY,
  last_seen_at  timestamptz NOT NULL,
  -- The Watchdog has been delivered at least once; false while last_seen_at is only when watching began.
  ever_seen     boolean     NOT NULL DEFAULT false,
  raised_at     timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
