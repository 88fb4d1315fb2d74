-- The health watch's state per /health check: consecutive failures, since when, and whether its
-- alert is raised. Kept in the store, not in a process, so whichever replica watches the next
-- interval carries on counting. last_slot is the interval last counted: a replica that is late
-- (or a second one, with Redis down) cannot count an interval twice or count an older one.
CREATE TABLE health_watch (
  check_name       text        PRIMARY KEY,
  failures         integer     NOT NULL DEFAULT 0,
  first_failure_at timestamptz,
  last_failure     text,
  raised           boolean     NOT NULL DEFAULT false,
  last_slot        bigint      NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
