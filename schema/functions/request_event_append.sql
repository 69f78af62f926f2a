-- Appends one event and tells every patrold. Event ids commit in any order;
-- readers stop at request_events_safe_id(), below the floor each writer in
-- flight publishes here before its first id (schema/0420: the protocol and
-- its proof). Changed by 0090, 0280, 0420 (see the comments there).
CREATE OR REPLACE FUNCTION request_event_append(p_request bigint, p_actor text,
        p_kind text, p_from text, p_to text, p_crew bigint,
        p_lon double precision, p_lat double precision, p_detail jsonb)
    RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id    bigint;
    v_floor bigint;
BEGIN
    -- Once per transaction (and again after a rolled-back savepoint, which
    -- takes the lock and the setting back alike): the floor, then the id.
    IF current_setting('patrol.event_floor', true) IS DISTINCT FROM 'held'
    THEN
        SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END
        INTO v_floor FROM request_events_id_seq;
        PERFORM pg_advisory_xact_lock_shared(v_floor + 2305843009213693952);
        PERFORM set_config('patrol.event_floor', 'held', true);
    END IF;
    INSERT INTO request_events (request_id, actor, kind, from_state, to_state,
                                crew_id, lon, lat, detail)
    VALUES (p_request, p_actor, p_kind, p_from, p_to, p_crew, p_lon, p_lat,
            coalesce(p_detail, '{}'))
    RETURNING id INTO v_id;
    IF current_setting('patrol.defer_notify', true) = 'on' THEN
        RAISE NOTICE USING MESSAGE = 'patrol_events', ERRCODE = 'PW001';
    ELSE
        PERFORM pg_notify('patrol_events', v_id::text);
    END IF;
    RETURN v_id;
END $$;
