-- The day's backup problems per target, which the day's report message in the incidents channel
-- shows (one message per target and UTC day, updated in place; see message_refs). Counted here in
-- one statement per problem, so replicas reporting at once never lose a count.
CREATE TABLE backup_reports (
  target         text        NOT NULL,
  day            date        NOT NULL,
  failed         integer     NOT NULL DEFAULT 0,
  skipped        integer     NOT NULL DEFAULT 0,
  first_at       timestamptz NOT NULL,
  latest_at      timestamptz NOT NULL,
  latest_kind    text        NOT NULL CHECK (latest_kind IN ('failed', 'skipped')),
  latest_title   text        NOT NULL,
  latest_text    text        NOT NULL,
  latest_context text,
  PRIMARY KEY (target, day)
);
