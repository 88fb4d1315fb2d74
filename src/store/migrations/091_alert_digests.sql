-- Storm digests: per platform and channel, whether a storm is on (more alert cards are waiting
-- than the channel's budget can send soon) and how many digest pages it has posted. `storm`
-- counts the storms of that channel, so each storm's digest is a new message (its message refs
-- are keyed by it) rather than an edit of the last storm's, far up the channel.
CREATE TABLE alert_digests (
  platform   text        NOT NULL,
  channel    text        NOT NULL,
  storm      integer     NOT NULL DEFAULT 0,
  open       boolean     NOT NULL DEFAULT false,
  opened_at  timestamptz,
  pages      integer     NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, channel)
);

-- The outbox worker looks up one channel's rows at a time.
CREATE INDEX outbox_lane ON outbox (platform, channel, due_at);
