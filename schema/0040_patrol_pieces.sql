-- The way back (issue 14): a crew may start a patrol on overdue pieces it
-- chose on the handheld; the start mark names them and the session keeps
-- them, so the dispatcher sees what the crew set out to inspect.
ALTER TABLE patrol_sessions ADD COLUMN piece_ids bigint[];

-- sync_apply_patrol(): its body now is schema/functions/sync_apply_patrol.sql
