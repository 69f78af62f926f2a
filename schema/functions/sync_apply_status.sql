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
    v_r      requests%ROWTYPE;
    v_prev   sync_status_changes%ROWTYPE;
    v_why    text;
    v_to     text;
    v_ev     bigint;
    v_step   jsonb;
    v_detail jsonb;
BEGIN
    SELECT * INTO v_prev FROM sync_status_changes WHERE client_id = v_cid;
    IF FOUND THEN
        RETURN sync_ack(v_cid, 'duplicate', v_prev.conflict, NULL,
            v_prev.request_id,
            (SELECT state FROM requests WHERE id = v_prev.request_id));
    END IF;
    SELECT * INTO v_r FROM requests
    WHERE id = (p_item->>'request_id')::bigint FOR UPDATE;
    IF NOT FOUND THEN
        RETURN sync_ack(v_cid, 'rejected', 'no such request', 'request_id',
            (p_item->>'request_id')::bigint, NULL);
    END IF;
    v_detail := jsonb_strip_nulls(jsonb_build_object('client_id', v_cid,
        'device_id', p_dev.id, 'device_at', v_at, 'reason', p_item->>'reason',
        'note', p_item->>'note'));
    v_step := sync_job_step(p_dev, p_actor, v_r, v_act, NULL, NULL, v_lon,
        v_lat, v_detail);
    v_why := v_step->>'conflict';
    v_ev := (v_step->>'event_id')::bigint;
    v_to := v_step->>'state';
    INSERT INTO sync_status_changes (client_id, device_id, request_id, action,
        device_at, lon, lat, reason, note, result, conflict, event_id)
    VALUES (v_cid, p_dev.id, v_r.id, v_act, v_at, v_lon, v_lat,
        p_item->>'reason', p_item->>'note',
        CASE WHEN v_why IS NULL THEN 'applied' ELSE 'conflict' END, v_why, v_ev);
    RETURN sync_ack(v_cid, CASE WHEN v_why IS NULL THEN 'applied'
        ELSE 'conflict' END, v_why, NULL, v_r.id, v_to);
END $$;
