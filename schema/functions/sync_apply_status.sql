-- A crew's step on a job from the handheld (accept, en route, on site,
-- hand over ...), once per client_id: applied (sync_job_step) when the job
-- is still the crew's and the life cycle allows it, else kept as a
-- sync_conflict event; recorded in sync_status_changes either way.
-- Changed by 0110 (see the comments there).
CREATE OR REPLACE FUNCTION sync_apply_status(p_dev devices, p_actor text,
        p_item jsonb, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid    text := p_item->>'client_id';
    v_act    text := p_item->>'action';
    v_at     timestamptz := sync_ms(p_item->'device_ms');
    v_lon    float8 := (p_item->>'lon')::float8;
    v_lat    float8 := (p_item->>'lat')::float8;
    v_open   record;
    v_r      requests%ROWTYPE;
    v_step   jsonb;
    v_detail jsonb;
BEGIN
    SELECT * INTO v_open FROM sync_job_open(v_cid, p_item,
        (SELECT to_jsonb(s) FROM sync_status_changes s
         WHERE s.client_id = v_cid));
    IF v_open.ack IS NOT NULL THEN
        RETURN v_open.ack;
    END IF;
    v_r := v_open.r;
    v_detail := jsonb_strip_nulls(jsonb_build_object('client_id', v_cid,
        'device_id', p_dev.id, 'device_at', v_at, 'reason', p_item->>'reason',
        'note', p_item->>'note'));
    v_step := sync_job_step(p_dev, p_actor, v_r, v_act, NULL, NULL, v_lon,
        v_lat, v_detail);
    INSERT INTO sync_status_changes (client_id, device_id, request_id, action,
        device_at, lon, lat, reason, note, result, conflict, event_id)
    VALUES (v_cid, p_dev.id, v_r.id, v_act, v_at, v_lon, v_lat,
        p_item->>'reason', p_item->>'note', v_step->>'result',
        v_step->>'conflict', (v_step->>'event_id')::bigint);
    RETURN sync_ack(v_cid, v_step->>'result', v_step->>'conflict', NULL,
        v_r.id, v_step->>'state');
END $$;
