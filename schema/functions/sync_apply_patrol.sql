-- A patrol's start or stop mark from the handheld, once per client_id;
-- a start names the pieces the crew set out to inspect (0040).
-- Changed by 0040 (see the comments there).
CREATE OR REPLACE FUNCTION sync_apply_patrol(p_dev devices, p_item jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid  text := p_item->>'client_id';
    v_sess text := p_item->>'session';
    v_at   timestamptz := coalesce(sync_ms(p_item->'device_ms'), now());
BEGIN
    IF p_item->>'mark' = 'start' THEN
        INSERT INTO patrol_sessions (client_id, device_id, crew_id, started_at,
            start_lon, start_lat, piece_ids)
        VALUES (v_sess, p_dev.id, p_dev.crew_id, v_at,
            (p_item->>'lon')::float8, (p_item->>'lat')::float8,
            CASE WHEN p_item ? 'pieces' THEN ARRAY(SELECT
                jsonb_array_elements_text(p_item->'pieces')::bigint) END)
        ON CONFLICT (client_id) DO NOTHING;
        RETURN sync_ack(v_cid, CASE WHEN FOUND THEN 'applied'
            ELSE 'duplicate' END, NULL, NULL, NULL, NULL);
    END IF;
    IF EXISTS (SELECT 1 FROM patrol_sessions WHERE stop_client_id = v_cid) THEN
        RETURN sync_ack(v_cid, 'duplicate', NULL, NULL, NULL, NULL);
    END IF;
    UPDATE patrol_sessions SET stopped_at = greatest(v_at, started_at),
        stop_client_id = v_cid
    WHERE client_id = v_sess AND crew_id = p_dev.crew_id
      AND stop_client_id IS NULL;
    IF NOT FOUND THEN
        RETURN sync_ack(v_cid, 'rejected', 'no such open patrol',
            'session_id', NULL, NULL);
    END IF;
    RETURN sync_ack(v_cid, 'applied', NULL, NULL, NULL, NULL);
END $$;
