-- Recovery at start asks "has this dead writer's chain been recovered yet?" — answer it from an
-- index instead of scanning every event.
CREATE INDEX events_writer_recovered ON events (target) WHERE type = 'writer.recovered';
