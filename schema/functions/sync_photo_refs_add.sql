-- A photo named by a result or finding: linked now if its file is here,
-- else when the upload completes (sync_photo_stored).
CREATE OR REPLACE FUNCTION sync_photo_refs_add(p_photos jsonb, p_request bigint, p_actor text)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_sha text;
BEGIN
    FOR v_sha IN SELECT jsonb_array_elements_text(coalesce(p_photos, '[]')) LOOP
        INSERT INTO sync_photo_refs (sha256, request_id, actor)
        VALUES (v_sha, p_request, p_actor) ON CONFLICT DO NOTHING;
        IF EXISTS (SELECT 1 FROM photos WHERE sha256 = v_sha) THEN
            PERFORM sync_photo_link(v_sha, p_request, p_actor);
        END IF;
    END LOOP;
END $$;
