-- A window's start and its end are each one timeline event (maintenance.started, maintenance.ended),
-- recorded by whoever claims the flag first: /maintenance start and /maintenance end record them with
-- the person who ran them; the announcer records the ones nobody typed (a configured window, a
-- window reaching its planned end) as the system. Before this, a window started by hand was
-- recorded twice: by the command and again by the announcer.
ALTER TABLE maintenance_windows ADD COLUMN recorded_start boolean NOT NULL DEFAULT false;
ALTER TABLE maintenance_windows ADD COLUMN recorded_end boolean NOT NULL DEFAULT false;
-- Windows announced before this migration were recorded then.
UPDATE maintenance_windows SET recorded_start = announced_start, recorded_end = announced_end;
