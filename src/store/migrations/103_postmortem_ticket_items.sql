-- Action items filed under a post-mortem's ticket (Jira sub-tasks), each once: the row is claimed
-- before the item is created, like the ticket itself, so regenerating on two replicas at once
-- still files every item once.
CREATE TABLE postmortem_ticket_items (
  incident_id text        NOT NULL,
  system      text        NOT NULL,
  item_id     text        NOT NULL,
  ref         text,
  claim_id    text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, system, item_id),
  FOREIGN KEY (incident_id, system) REFERENCES postmortem_tickets (incident_id, system) ON DELETE CASCADE
);
