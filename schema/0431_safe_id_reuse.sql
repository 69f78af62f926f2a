-- request_events_safe_id's unused p_wait (0090's reader waited up to it;
-- 0420 stopped waiting) becomes p_reuse: how old an answer this session
-- read may be given again (schema/functions/request_events_safe_id.sql).
-- Same argument type, another name: CREATE OR REPLACE cannot rename an
-- argument, so the old one goes first. Its callers are PL/pgSQL bodies and
-- patrold, which look it up when they run.
DROP FUNCTION IF EXISTS request_events_safe_id(interval);
