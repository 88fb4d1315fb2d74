-- Delivery keys of mutating chat deliveries (a slash command, a button click), so a retried
-- delivery runs once even when Redis, which deduplicates everything else, is unreachable.
CREATE TABLE delivery_claims (
  key         text PRIMARY KEY,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX delivery_claims_expires ON delivery_claims (expires_at);
