-- An upload completed and the file is stored: record it and link it to
-- every request waiting for it. Safe to call again.
CREATE OR REPLACE FUNCTION sync_photo_stored(p_sha text, p_bytes bigint, p_type text)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_ref sync_photo_refs%ROWTYPE;
    v_n   int := 0;
BEGIN
    INSERT INTO photos (sha256, bytes, content_type)
    VALUES (p_sha, p_bytes, p_type) ON CONFLICT (sha256) DO NOTHING;
    FOR v_ref IN SELECT * FROM sync_photo_refs
                 WHERE sha256 = p_sha AND linked_at IS NULL
                 ORDER BY request_id FOR UPDATE LOOP
        PERFORM sync_photo_link(p_sha, v_ref.request_id, v_ref.actor);
        v_n := v_n + 1;
    END LOOP;
    RETURN jsonb_build_object('sha256', p_sha, 'linked', v_n);
END $$;
