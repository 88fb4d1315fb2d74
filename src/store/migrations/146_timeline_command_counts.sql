-- /metrics counts the commands every process recorded (a CLI run in-process on PostgreSQL
-- included), read from the timeline at each scrape: an index-only scan of the outcome rows.
CREATE INDEX timeline_events_command_outcomes ON timeline_events (command, outcome)
  WHERE kind IN ('command', 'command.invalid', 'command.denied', 'command.refused', 'button', 'confirmation.requested', 'confirmation.cancelled');
