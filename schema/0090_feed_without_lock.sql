-- The live feed without a global lock (issue 19, item 1).
--
-- Until now every event took pg_advisory_xact_lock(727302), held through
-- the commit's WAL flush, so that event ids committed in id order and a
-- reader that had seen id N had seen everything below N. That made every
-- write that records an event commit one at a time.
--
-- Now events commit concurrently and readers stop at a safe id instead:
--
-- 1. A writer gets its transaction id (pg_current_xact_id()) BEFORE it
--    takes an event id from the sequence (request_event_append below).
-- 2. A reader (request_events_safe_id) first reads the sequence's last
--    value L, then lists the transactions holding an xid at that moment
--    (pg_stat_activity.backend_xid), then waits until each has ended.
--
-- Every id <= L was taken before L was read, by a transaction whose xid
-- was assigned before that (1), hence before the list was read: it had
-- either ended by then (then every later snapshot sees its committed
-- events) or it was in the list, and the reader waited for it. So once
-- the wait is over, every event with id <= L that will ever exist is
-- committed and visible to any later snapshot: delivering ids in order up
-- to L never skips an id that commits later, and the client's position
-- stays one number. Ids may still have gaps (rolled-back transactions);
-- they are never filled.
--
-- The wait only covers transactions that hold an xid (writers), and is
-- bounded: after p_wait the function returns NULL ("not yet"), and
-- callers keep their old position and try again. A caller must not hold
-- an xid itself (it would be waited for by others; sync_apply asks first).

-- Ids are still unique, ordered and shown to clients: only the lock goes.
CREATE OR REPLACE FUNCTION request_event_append(p_request bigint, p_actor text,
        p_kind text, p_from text, p_to text, p_crew bigint,
        p_lon double precision, p_lat double precision, p_detail jsonb)
    RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    -- The xid first, then the id: readers rely on this order (above).
    PERFORM pg_current_xact_id();
    INSERT INTO request_events (request_id, actor, kind, from_state, to_state,
                                crew_id, lon, lat, detail)
    VALUES (p_request, p_actor, p_kind, p_from, p_to, p_crew, p_lon, p_lat,
            coalesce(p_detail, '{}'))
    RETURNING id INTO v_id;
    PERFORM pg_notify('patrol_events', v_id::text);
    RETURN v_id;
END $$;

-- The highest event id below which nothing more can commit (see above), or
-- NULL when writers in flight did not end within p_wait. The writers in
-- flight are read from pg_stat_activity (backend_xid comes live from the
-- process array), not from a snapshot's in-progress list: a snapshot leaves
-- out xids at or above its xmax (latest completed + 1), which may well be
-- in flight.
CREATE FUNCTION request_events_safe_id(p_wait interval DEFAULT '1 second')
    RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_last  bigint;
    v_xids  xid[];
    v_until timestamptz := clock_timestamp() + p_wait;
BEGIN
    -- A sequence is read as it is now, not as of a snapshot.
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO v_last
    FROM request_events_id_seq;
    -- Then (a later statement) every transaction holding an xid now; the
    -- statistics are otherwise cached for the whole transaction.
    PERFORM pg_stat_clear_snapshot();
    SELECT array_agg(backend_xid) INTO v_xids FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
      AND datname = current_database(); -- nothing else writes here
    -- Wait until each has left the process array: ended, and what it
    -- committed is seen by any later snapshot.
    WHILE v_xids IS NOT NULL LOOP
        IF clock_timestamp() > v_until THEN
            RETURN NULL;
        END IF;
        PERFORM pg_sleep(0.001);
        PERFORM pg_stat_clear_snapshot();
        SELECT array_agg(backend_xid) INTO v_xids FROM pg_stat_activity
        WHERE backend_xid = ANY(v_xids) AND pid <> pg_backend_pid();
    END LOOP;
    RETURN v_last;
END $$;

-- Events after p_after, in id order, up to the safe id; none when it is not
-- known yet. The rows are read after the wait, in a snapshot of their own.
CREATE FUNCTION request_events_after(p_after bigint, p_limit int)
    RETURNS SETOF request_events LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_safe bigint := request_events_safe_id();
BEGIN
    IF v_safe IS NULL OR v_safe <= p_after THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT * FROM request_events e
        WHERE e.id > p_after AND e.id <= v_safe ORDER BY e.id LIMIT p_limit;
END $$;

-- Handheld syncs hand out the same kind of cursor: the safe id, taken
-- before the sync writes (0009's sync_apply otherwise unchanged).
CREATE OR REPLACE FUNCTION sync_apply(p_token text, p_device bigint, p_batch jsonb,
        p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_dev      devices%ROWTYPE;
    v_crew     text;
    v_actor    text;
    v_n        int := jsonb_array_length(coalesce(p_batch->'items', '[]'));
    v_prev     sync_batches%ROWTYPE;
    v_acks     jsonb := '[]';
    v_item     jsonb;
    v_replayed boolean := false;
    v_cursor   bigint := coalesce((p_batch->>'cursor')::bigint, 0);
    v_now      bigint;
    v_wanted   jsonb := '[]';
BEGIN
    -- The new cursor: every event up to it has committed or never will
    -- (0090). Taken first, before this transaction writes anything (it
    -- waits for writers in flight, so it must not be one itself). This
    -- sync's own events come after it and are sent back once: harmless.
    v_now := coalesce(request_events_safe_id(), v_cursor);
    -- Serialises the device's syncs and waits for a revocation in flight.
    SELECT d.* INTO v_dev FROM devices d
    WHERE d.id = coalesce(p_device, (SELECT x.id FROM devices x
                                     WHERE x.token_sha256 = p_token))
      AND d.revoked_at IS NULL FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('unauthorized', true);
    END IF;
    SELECT code INTO v_crew FROM crews WHERE id = v_dev.crew_id;
    v_actor := 'crew:' || v_crew;
    IF v_n > 0 THEN
        SELECT * INTO v_prev FROM sync_batches
        WHERE device_id = v_dev.id AND batch_id = p_batch->>'batch_id';
        IF FOUND THEN
            IF v_prev.content_sha256 <> p_batch->>'sha256' THEN
                RETURN jsonb_build_object('batch_conflict', true,
                                          'device_id', v_dev.id);
            END IF;
            v_acks := v_prev.ack;
            v_replayed := true;
        ELSE
            FOR v_item IN SELECT value FROM jsonb_array_elements(p_batch->'items')
            LOOP
                v_acks := v_acks || CASE v_item->>'kind'
                    WHEN 'status' THEN sync_apply_status(v_dev, v_actor, v_item, p_rules)
                    WHEN 'result' THEN sync_apply_result(v_dev, v_actor, v_item, p_rules)
                    WHEN 'finding' THEN sync_apply_finding(v_dev, v_actor, v_item)
                    WHEN 'patrol' THEN sync_apply_patrol(v_dev, v_item)
                    WHEN 'track' THEN sync_apply_track(v_dev, v_item)
                    ELSE v_item->'ack' -- refused by patrold's checks
                END;
            END LOOP;
            INSERT INTO sync_batches (device_id, batch_id, content_sha256, items, ack)
            VALUES (v_dev.id, p_batch->>'batch_id', p_batch->>'sha256', v_n, v_acks);
        END IF;
    END IF;
    IF jsonb_array_length(coalesce(p_batch->'photos', '[]')) > 0 THEN
        INSERT INTO sync_photos_expected (device_id, sha256, bytes, content_type)
        SELECT v_dev.id, p->>'sha256', (p->>'bytes')::bigint, p->>'type'
        FROM jsonb_array_elements(p_batch->'photos') p
        ON CONFLICT (device_id, sha256) DO NOTHING;
        SELECT coalesce(jsonb_agg(p->>'sha256'), '[]') INTO v_wanted
        FROM jsonb_array_elements(p_batch->'photos') p
        WHERE NOT EXISTS (SELECT 1 FROM photos f WHERE f.sha256 = p->>'sha256');
    END IF;
    -- A minute's precision is enough for "last seen": fewer row versions.
    IF v_dev.last_sync_at IS NULL OR v_dev.last_sync_at < now() - interval '1 minute'
       OR v_dev.agent_version IS DISTINCT FROM
          coalesce(p_batch->>'version', v_dev.agent_version) THEN
        UPDATE devices SET last_sync_at = now(),
            agent_version = coalesce(p_batch->>'version', agent_version)
        WHERE id = v_dev.id;
    END IF;
    RETURN sync_outbound(v_dev, v_cursor, v_now) || jsonb_build_object(
        'device_id', v_dev.id, 'crew', v_crew, 'acks', v_acks,
        'replayed', v_replayed, 'cursor', v_now, 'photos_wanted', v_wanted);
END $$;
