-- Maintenance windows (`maintenance:` in the config, and /maintenance start): while one is on, the
-- alerts of its services get cards marked "during maintenance" but do not escalate, page or
-- declare incidents. A configured window's occurrence is stored once its notice is due (name +
-- starts_at is unique), so it has an id /maintenance end can name and its announcements are
-- claimed once across replicas, like a window started by hand.
CREATE TABLE maintenance_windows (
  id            bigserial   PRIMARY KEY,
  -- The configured window's name; null for one started with /maintenance start.
  config_name   text,
  services      jsonb       NOT NULL,
  reason        text        NOT NULL,
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  -- Ended early by /maintenance end (before ends_at).
  ended_at      timestamptz,
  ended_by      text,
  created_by    text        NOT NULL,
  notice_h      real        NOT NULL DEFAULT 0,
  -- Each announcement is posted by the replica that flips its flag.
  noticed       boolean     NOT NULL DEFAULT false,
  announced_start boolean   NOT NULL DEFAULT false,
  announced_end boolean     NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (config_name, starts_at)
);
CREATE INDEX maintenance_windows_ends_at ON maintenance_windows (ends_at);

-- The window a group's alerts were held by, for its card: { id, reason, until }.
ALTER TABLE alert_groups ADD COLUMN maintenance jsonb;
