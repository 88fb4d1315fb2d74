-- Runs of configured procedures (src/procedures): the whole run (params, planned steps, each
-- step's outcome) is one JSON document, saved against its version so a press decides once.
CREATE TABLE procedure_runs (
  id          text PRIMARY KEY,
  procedure   text        NOT NULL,
  status      text        NOT NULL,
  version     integer     NOT NULL DEFAULT 1,
  state       jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX procedure_runs_active ON procedure_runs (status) WHERE status NOT IN ('done', 'aborted');
