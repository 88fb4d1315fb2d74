-- Which incident an alert group belongs to is asked on every button press on a card and every
-- mutating command on a service (work attributed to its incident): look it up by the group's own
-- link, not by scanning every incident's list of groups.
CREATE INDEX alert_groups_incident ON alert_groups (incident_id) WHERE incident_id IS NOT NULL;
