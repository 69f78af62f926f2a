-- The one writer of requests.state. Applies p_action to the request if
-- the installed life cycle allows it from the current state and, when
-- p_version is given, the request is still at that version (compare and
-- set). Records the event (kind = the action). Returns
--   {"applied": true, "event_id", "version", "state", "from", "crew_id"}
-- or {"applied": false, "error": "not_found" | "conflict" |
-- "invalid_transition", "state", "message"}; never changes anything then.
-- p_crew: the new crew (assign), kept otherwise unless the action clears
-- it; p_event_crew: the crew the event is about (default: the new crew,
-- else the one that held it).
CREATE OR REPLACE FUNCTION request_transition(p_request bigint, p_action text,
        p_actor text, p_version int DEFAULT NULL, p_crew bigint DEFAULT NULL,
        p_outcome text DEFAULT NULL, p_parent bigint DEFAULT NULL,
        p_lon double precision DEFAULT NULL,
        p_lat double precision DEFAULT NULL, p_detail jsonb DEFAULT '{}',
        p_event_crew bigint DEFAULT NULL)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_rule jsonb;
    v_r    requests%ROWTYPE;
    v_to   text;
    v_ver  int;
    v_ev   bigint;
BEGIN
    SELECT doc->'actions'->p_action INTO v_rule FROM lifecycle;
    IF v_rule IS NULL THEN
        RAISE EXCEPTION 'request_transition: unknown action %', p_action
            USING ERRCODE = '22023';
    END IF;
    SELECT * INTO v_r FROM requests WHERE id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('applied', false, 'error', 'not_found',
            'message', format('no such request: %s', p_request));
    END IF;
    IF p_version IS NOT NULL AND v_r.version <> p_version THEN
        RETURN jsonb_build_object('applied', false, 'error', 'conflict',
            'state', v_r.state, 'message',
            'the request was changed by someone else first; reload it');
    END IF;
    IF NOT (v_rule->'from') ? v_r.state THEN
        RETURN jsonb_build_object('applied', false,
            'error', 'invalid_transition', 'state', v_r.state, 'message',
            format('cannot %s a request that is %s (allowed when: %s)',
                p_action, v_r.state, (SELECT string_agg(s, ', ')
                FROM jsonb_array_elements_text(v_rule->'from') s)));
    END IF;
    v_to := v_rule->>'to';
    UPDATE requests SET state = v_to, version = version + 1,
        state_changed_at = now(),
        crew_id = CASE WHEN (v_rule->>'clears_crew')::boolean THEN NULL
                  ELSE coalesce(p_crew, crew_id) END,
        outcome = coalesce(p_outcome, outcome),
        parent_id = coalesce(p_parent, parent_id),
        escalated_at = CASE v_rule->>'escalated' WHEN 'set' THEN now()
                       WHEN 'clear' THEN NULL ELSE escalated_at END
    WHERE id = p_request
    RETURNING version INTO v_ver;
    v_ev := request_event_append(p_request, p_actor, p_action, v_r.state,
        v_to, coalesce(p_event_crew, p_crew, v_r.crew_id), p_lon, p_lat,
        coalesce(p_detail, '{}'));
    RETURN jsonb_build_object('applied', true, 'event_id', v_ev,
        'version', v_ver, 'state', v_to, 'from', v_r.state,
        'crew_id', v_r.crew_id);
END $$;
