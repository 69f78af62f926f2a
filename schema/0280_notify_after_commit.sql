-- Waking the live feed without serialising commits (issue 19).
--
-- pg_notify() in a transaction makes its COMMIT take PostgreSQL's one
-- global notify-queue lock and hold it through the commit's WAL flush (so
-- that the queue is in commit order). Every transaction that recorded an
-- event therefore committed one at a time, as under the advisory lock that
-- 0090 removed: creating requests stayed at 0.175 of pgbench -N.
--
-- A session that sets patrol.defer_notify = 'on' (patrold's pool does)
-- gets a NOTICE with SQLSTATE PW001 instead, naming the channel; patrold
-- NOTIFYs the channel itself once the statement has committed, coalesced
-- (server/events_wake.c): that NOTIFY's own transaction writes no WAL of
-- its own, so it is not flushed and holds the lock only briefly. Other
-- sessions (patrolctl, psql) NOTIFY inside their transaction as before.
--
-- Nothing about delivery changes: listeners only learn "there may be new
-- events" and read them up to the safe id (0090), which never depended on
-- when the NOTIFY arrives; a NOTIFY after the commit can only be later
-- than one sent at it.
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
