-- The numbers people say out loud (INC-34, alert group 12) come from counter rows updated in the
-- inserting transaction, not from sequences: a sequence hands out numbers a rolled-back insert
-- never uses, and after a crash it jumps ahead by its logged cache (32), so the numbers skipped.
-- Existing data: each counter starts at the highest number already used.
CREATE TABLE counters (
  name text   PRIMARY KEY,
  n    bigint NOT NULL
);
INSERT INTO counters (name, n) VALUES
  ('incidents', (SELECT COALESCE(max(number), 0) FROM incidents)),
  ('alert_groups', (SELECT COALESCE(max(id), 0) FROM alert_groups));

-- For rows inserted without a number (scripts, tests): the counter, never the old sequences.
-- The repositories lock the row and take the number only once the insert is known to be new.
CREATE FUNCTION next_number(counter text) RETURNS bigint LANGUAGE sql AS
  $$ UPDATE counters SET n = n + 1 WHERE name = counter RETURNING n $$;
ALTER TABLE alert_groups ALTER COLUMN id SET DEFAULT next_number('alert_groups');
ALTER TABLE incidents ALTER COLUMN number SET DEFAULT next_number('incidents');
