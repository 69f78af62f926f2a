-- A decoded track piece: t (ms), lat, lon as array literals of equal
-- length. The crew's position follows its newest fix in the service area.
CREATE OR REPLACE FUNCTION sync_apply_track(p_dev devices, p_item jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid  text := p_item->>'client_id';
    v_t    bigint[] := (p_item->>'t')::bigint[];
    v_sess bigint;
BEGIN
    IF p_item ? 'session' THEN
        SELECT id INTO v_sess FROM patrol_sessions
        WHERE client_id = p_item->>'session' AND crew_id = p_dev.crew_id;
    END IF;
    -- The piece's key first: a piece seen before adds no fixes.
    INSERT INTO track_pieces (client_id, device_id, session_id, fixes)
    VALUES (v_cid, p_dev.id, v_sess, cardinality(v_t))
    ON CONFLICT (client_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN sync_ack(v_cid, 'duplicate', NULL, NULL, NULL, NULL);
    END IF;
    INSERT INTO track_fixes (crew_id, device_id, session_id, at, lon, lat)
    SELECT p_dev.crew_id, p_dev.id, v_sess, to_timestamp(u.t::float8 / 1000),
        u.lon, u.lat
    FROM unnest(v_t, (p_item->>'lat')::float8[],
                (p_item->>'lon')::float8[]) AS u(t, lat, lon);
    IF p_item ? 'last_t' THEN
        UPDATE crews SET lon = (p_item->>'last_lon')::float8,
            lat = (p_item->>'last_lat')::float8,
            position_at = sync_ms(p_item->'last_t')
        WHERE id = p_dev.crew_id
          AND (position_at IS NULL OR position_at < sync_ms(p_item->'last_t'));
    END IF;
    RETURN sync_ack(v_cid, 'applied', NULL, NULL, NULL, NULL);
END $$;
