-- The console platform: with no Slack or Discord, what the system posts (backup reports, alert
-- cards, incident summaries) is kept here and `firebreak console` shows it.
CREATE SEQUENCE console_channel_ids;
CREATE TABLE console_channels (
  id         text PRIMARY KEY DEFAULT ('C' || nextval('console_channel_ids')),
  -- Unique for ever, archived or not, as on Slack: a new incident channel never takes an old one's name.
  name       text        NOT NULL UNIQUE,
  topic      text,
  private    boolean     NOT NULL DEFAULT false,
  members    text[]      NOT NULL DEFAULT '{}',
  archived   boolean     NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- The terminal's own channel: what `firebreak run` and `firebreak console` type is said there.
INSERT INTO console_channels (id, name) VALUES ('console', 'console');

-- One row, bumped by every insert and update of a message in the same statement. Its row lock is
-- held until that statement commits, so versions are handed out in commit order: a reader asking
-- "what changed since N" can never see N+1 and later find N committed behind it (a plain sequence
-- would allow that with concurrent writers on PostgreSQL). PGlite has no cross-connection
-- LISTEN/NOTIFY, so readers poll by version.
CREATE TABLE console_clock (
  one     boolean PRIMARY KEY DEFAULT true CHECK (one),
  version bigint  NOT NULL
);
INSERT INTO console_clock (version) VALUES (0);

CREATE TABLE console_messages (
  id               bigserial PRIMARY KEY,
  -- Null only for a private message outside any channel (the console's private line).
  channel_id       text REFERENCES console_channels (id),
  thread_parent_id bigint REFERENCES console_messages (id),
  -- Set: only this console user sees it.
  private_to       text,
  reply            jsonb       NOT NULL,
  pinned           boolean     NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- The clock when it was posted, and when it last changed: a reader that saw up to N shows a row
  -- with created_version > N as new, one with only version > N as updated.
  created_version  bigint      NOT NULL,
  version          bigint      NOT NULL UNIQUE,
  CHECK (channel_id IS NOT NULL OR private_to IS NOT NULL)
);
CREATE INDEX console_messages_channel ON console_messages (channel_id, id);
