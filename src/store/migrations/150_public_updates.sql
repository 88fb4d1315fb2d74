-- What an incident said to the public (the status page, its JSON and its feed). Only rows here are
-- ever shown there: a status update becomes public when someone publishes it (`/incident update
-- --public "…"`), and its text is copied as it was published (masked like the timeline).
CREATE TABLE incident_public_updates (
  id            bigserial   PRIMARY KEY,
  incident_id   text        NOT NULL REFERENCES incidents (id),
  event_id      bigint      REFERENCES timeline_events (id),
  text          text        NOT NULL,
  published_by  jsonb       NOT NULL,
  published_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_public_updates_incident ON incident_public_updates (incident_id, published_at);
CREATE INDEX incident_public_updates_at ON incident_public_updates (published_at);
