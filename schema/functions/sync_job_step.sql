-- A crew's step on a job from the handheld, on its request row locked by
-- the caller (sync_apply_status's steps, sync_apply_result's 'done'):
-- applied through request_transition() when the job is still the crew's,
-- p_refused (the caller's own check, or NULL) says nothing against it and
-- the life cycle allows it; else kept with the request as a sync_conflict
-- event and shown on the feed, so the crew's work is never lost whatever
-- happened to the job meanwhile. Answers {event_id, state, conflict,
-- result}: conflict is NULL when applied, state the request's state
-- after, result the item's verdict for its record and its ack ('applied'
-- or 'conflict').
CREATE OR REPLACE FUNCTION sync_job_step(p_dev devices, p_actor text,
        p_r requests, p_action text, p_outcome text, p_refused text,
        p_lon float8, p_lat float8, p_detail jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_why text := p_refused;
    v_t   jsonb;
BEGIN
    IF p_r.crew_id IS DISTINCT FROM p_dev.crew_id THEN
        v_why := format('the job is no longer this crew''s (it is %s)',
            p_r.state);
    ELSIF v_why IS NULL THEN
        -- The row is locked: the compare-and-set on version always wins.
        v_t := request_transition(p_r.id, p_action, p_actor, p_r.version,
            NULL, p_outcome, NULL, p_lon, p_lat, p_detail, p_dev.crew_id);
        IF (v_t->>'applied')::boolean THEN
            RETURN jsonb_build_object('event_id', (v_t->>'event_id')::bigint,
                'state', v_t->>'state', 'conflict', NULL,
                'result', 'applied');
        END IF;
        v_why := v_t->>'message';
    END IF;
    RETURN jsonb_build_object('event_id', request_event_append(p_r.id,
            p_actor, 'sync_conflict', p_r.state, p_r.state, p_dev.crew_id,
            p_lon, p_lat, p_detail || jsonb_build_object('action', p_action,
                'conflict', v_why)),
        'state', p_r.state, 'conflict', v_why, 'result', 'conflict');
END $$;
