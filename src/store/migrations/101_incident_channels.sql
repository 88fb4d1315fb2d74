-- Commands run in an incident's own channel belong to it: the dispatcher looks the channel up on
-- every command, so that look-up is an index scan.
CREATE INDEX incidents_own_channel ON incidents ((channel ->> 'platform'), (channel ->> 'id')) WHERE (channel ->> 'own') = 'true';
