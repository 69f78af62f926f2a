-- Appends one event and tells every patrold. The transaction-scoped lock
-- makes event ids commit in id order, so a reader that has seen id N has
-- seen everything below N: the live feed can resume from a single number.
-- Changed by 0090, 0280 (see the comments there).
CREATE OR REPLACE FUNCTION request_event_append(p_request bigint, p_actor text,
        p_kind text, p_from text, p_to text, p_crew bigint,
        p_lon double precision, p_lat double precision, p_detail jsonb)
    RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    -- The xid first, then the id: readers rely on this order (0090).
    PERFORM pg_current_xact_id();
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
