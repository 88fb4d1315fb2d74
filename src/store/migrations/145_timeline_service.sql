-- /timeline [SERVICE] (issue 23): which service an event is about, written with the row that names
-- it (a command's service argument, an alert group's service). The rest of its invocation is found
-- through invocation_id. Older rows have none; alert groups' older rows get their group's service.
ALTER TABLE timeline_events ADD COLUMN service text;
UPDATE timeline_events t SET service = g.service
  FROM alert_groups g
  WHERE t.invocation_id = 'alert-group:' || g.id AND g.service IS NOT NULL;
CREATE INDEX timeline_events_service ON timeline_events (service) WHERE service IS NOT NULL;
-- Newest first across incidents: /timeline's pages.
CREATE INDEX timeline_events_newest ON timeline_events (at DESC, id DESC);
