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
    v_open    record;
    v_r       requests%ROWTYPE;
    v_why     text;
    v_step    jsonb;
    v_detail  jsonb;
BEGIN
    SELECT * INTO v_open FROM sync_job_open(v_cid, p_item,
        (SELECT to_jsonb(j) FROM job_results j WHERE j.client_id = v_cid));
    IF v_open.ack IS NOT NULL THEN
        RETURN v_open.ack;
    END IF;
    v_r := v_open.r;
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
    INSERT INTO job_results (client_id, device_id, crew_id, request_id, outcome,
        note, answers, lon, lat, started_at, finished_at, photos, result,
        conflict, event_id)
    VALUES (v_cid, p_dev.id, p_dev.crew_id, v_r.id, v_outcome, p_item->>'note',
        coalesce(p_item->'answers', '{}'), v_lon, v_lat,
        sync_ms(p_item->'started_ms'), sync_ms(p_item->'finished_ms'),
        ARRAY(SELECT jsonb_array_elements_text(coalesce(p_item->'photos', '[]'))),
        v_step->>'result', v_step->>'conflict', (v_step->>'event_id')::bigint);
    PERFORM sync_photo_refs_add(p_item->'photos', v_r.id, p_actor);
    RETURN sync_ack(v_cid, v_step->>'result', v_step->>'conflict', NULL,
        v_r.id, v_step->>'state');
END $$;
