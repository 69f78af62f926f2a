-- Why a crew's step on a job cannot be applied, or NULL. p_rule is the
-- life-cycle rule patrold passes from lifecycle.c: {"from": [...], "to"}.
CREATE OR REPLACE FUNCTION sync_refusal(p_dev devices, p_r requests, p_action text,
        p_rule jsonb)
    RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p_rule IS NULL THEN format('unknown action %s', p_action)
        WHEN p_r.crew_id IS DISTINCT FROM p_dev.crew_id THEN
            format('the job is no longer this crew''s (it is %s)', p_r.state)
        WHEN NOT (p_rule->'from') ? p_r.state THEN
            format('cannot %s a request that is %s', p_action, p_r.state)
    END
$$;
