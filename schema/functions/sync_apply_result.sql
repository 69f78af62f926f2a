-- A crew's result on a job (outcome, note, times, photos), once per
-- client_id: closes the job (sync_job_step 'done') when it is still the
-- crew's and the outcome is one of its category's, else kept as a
-- sync_conflict event; recorded in job_results either way.
-- Changed by 0110 (see the comments there).
CREATE OR REPLACE FUNCTION sync_apply_result(p_dev devices, p_actor text,
        p_item jsonb, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid     text := p_item->>'client_id';
    v_outcome text := p_item->>'outcome';
    v_lon     float8 := (p_item->>'lon')::float8;
    v_lat     float8 := (p_item->>'lat')::float8;
    v_r       requests%ROWTYPE;
    v_prev    job_results%ROWTYPE;
    v_why     text;
    v_to      text;
    v_ev      bigint;
    v_step    jsonb;
    v_detail  jsonb;
BEGIN
    SELECT * INTO v_prev FROM job_results WHERE client_id = v_cid;
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
        'device_id', p_dev.id, 'outcome', v_outcome, 'note', p_item->>'note',
        'started_at', sync_ms(p_item->'started_ms'),
        'finished_at', sync_ms(p_item->'finished_ms'),
        'photos', jsonb_array_length(coalesce(p_item->'photos', '[]'))));
    IF NOT EXISTS (SELECT 1 FROM categories c,
            jsonb_array_elements(c.outcomes) o
            WHERE c.code = v_r.category AND o->>'code' = v_outcome) THEN
        v_why := format('%s is not an outcome of %s', v_outcome, v_r.category);
    END IF;
    v_step := sync_job_step(p_dev, p_actor, v_r, 'done', v_outcome, v_why,
        v_lon, v_lat, v_detail);
    v_why := v_step->>'conflict';
    v_ev := (v_step->>'event_id')::bigint;
    v_to := v_step->>'state';
    INSERT INTO job_results (client_id, device_id, crew_id, request_id, outcome,
        note, answers, lon, lat, started_at, finished_at, photos, result,
        conflict, event_id)
    VALUES (v_cid, p_dev.id, p_dev.crew_id, v_r.id, v_outcome, p_item->>'note',
        coalesce(p_item->'answers', '{}'), v_lon, v_lat,
        sync_ms(p_item->'started_ms'), sync_ms(p_item->'finished_ms'),
        ARRAY(SELECT jsonb_array_elements_text(coalesce(p_item->'photos', '[]'))),
        CASE WHEN v_why IS NULL THEN 'applied' ELSE 'conflict' END, v_why, v_ev);
    PERFORM sync_photo_refs_add(p_item->'photos', v_r.id, p_actor);
    RETURN sync_ack(v_cid, CASE WHEN v_why IS NULL THEN 'applied'
        ELSE 'conflict' END, v_why, NULL, v_r.id, v_to);
END $$;
