-- A finding becomes a request as a call does (patrold checked the category,
-- the answers, the place and computed the priority and ward, as intake.c
-- does for calls).
CREATE OR REPLACE FUNCTION sync_apply_finding(p_dev devices, p_actor text, p_item jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid  text := p_item->>'client_id';
    v_prev patrol_findings%ROWTYPE;
    v_r    requests%ROWTYPE;
BEGIN
    SELECT * INTO v_prev FROM patrol_findings WHERE client_id = v_cid;
    IF FOUND THEN
        RETURN sync_ack_again(v_cid, NULL, v_prev.request_id);
    END IF;
    INSERT INTO requests (category, channel, lon, lat, easting, northing,
        address, ward_code, description, answers, priority, due_make_safe,
        due_resolve, created_by)
    SELECT c.code, 'patrol', (p_item->>'lon')::float8, (p_item->>'lat')::float8,
        (p_item->>'easting')::float8, (p_item->>'northing')::float8,
        p_item->>'address', p_item->>'ward_code',
        coalesce(p_item->>'description', ''), coalesce(p_item->'answers', '{}'),
        (p_item->>'priority')::int,
        now() + c.make_safe_minutes * interval '1 minute',
        now() + c.resolve_minutes * interval '1 minute', p_actor
    FROM categories c WHERE c.code = p_item->>'category' AND c.active
    RETURNING * INTO v_r;
    IF NOT FOUND THEN
        RETURN sync_ack(v_cid, 'rejected', 'no such category', 'category',
            NULL, NULL);
    END IF;
    PERFORM request_event_append(v_r.id, p_actor, 'created', NULL, 'new',
        p_dev.crew_id, v_r.lon, v_r.lat, jsonb_strip_nulls(jsonb_build_object(
            'channel', 'patrol', 'callers', 0, 'client_id', v_cid,
            'device_at', sync_ms(p_item->'device_ms'))));
    INSERT INTO patrol_findings (client_id, device_id, request_id, device_at)
    VALUES (v_cid, p_dev.id, v_r.id, sync_ms(p_item->'device_ms'));
    PERFORM sync_photo_refs_add(p_item->'photos', v_r.id, p_actor);
    RETURN sync_ack(v_cid, 'applied', NULL, NULL, v_r.id, 'new');
END $$;
