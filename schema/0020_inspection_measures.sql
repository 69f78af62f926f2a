-- Inspections are judged by the rule in force, not by the presence of a
-- row. Each row is now a measurement: what share of the piece one track
-- passed within distance_m, in one week, and when it last touched it.
-- Whether that is an inspection is decided when the week is read, from
-- the configured share (--coverage-share-pct), so a looser export no
-- longer leaves pieces "inspected" under the default rule. A week that is
-- computed again replaces its own measurements (see server/coverage_week.c).
ALTER TABLE piece_inspections ADD COLUMN week text;
ALTER TABLE piece_inspections ADD COLUMN distance_m double precision;
UPDATE piece_inspections SET week = to_char(inspected_at, 'IYYY-"W"IW');
ALTER TABLE piece_inspections ALTER COLUMN week SET NOT NULL;
ALTER TABLE piece_inspections DROP CONSTRAINT piece_inspections_pkey;
ALTER TABLE piece_inspections ADD PRIMARY KEY (piece_id, track, week);
CREATE INDEX piece_inspections_week ON piece_inspections (week);
COMMENT ON COLUMN piece_inspections.inspected_at IS
    'when the track last touched the piece (an inspection only if share >= the rule)';
COMMENT ON COLUMN piece_inspections.share IS
    'measured share of the piece''s length within distance_m of the track, 0..1';
