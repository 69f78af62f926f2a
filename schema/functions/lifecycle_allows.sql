-- true if the installed life cycle allows p_action from p_state (the
-- scans for due escalations and hand-overs).
CREATE OR REPLACE FUNCTION lifecycle_allows(p_action text, p_state text)
    RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT (doc->'actions'->p_action->'from') ? p_state
                     FROM lifecycle), false)
$$;
