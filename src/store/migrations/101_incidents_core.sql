-- Commands run in an incident's own channel belong to it: the dispatcher looks the channel up on
-- every command, so that look-up is an index scan.
CREATE INDEX incidents_own_channel ON incidents ((channel ->> 'platform'), (channel ->> 'id')) WHERE (channel ->> 'own') = 'true';

-- Reminders are claimed before they are sent (like the outbox): a replica that dies mid-send leaves
-- a claim that expires, so the reminder is sent later rather than lost.
ALTER TABLE incident_reminders ADD COLUMN claim_id text, ADD COLUMN claimed_until timestamptz;
