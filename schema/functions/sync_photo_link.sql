-- Links a stored photo to a request once, with a photo_added event.
CREATE OR REPLACE FUNCTION sync_photo_link(p_sha text, p_request bigint, p_actor text)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
BEGIN
    INSERT INTO request_photos (request_id, sha256, added_by)
    VALUES (p_request, p_sha, p_actor) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        SELECT state INTO v_state FROM requests WHERE id = p_request;
        PERFORM request_event_append(p_request, p_actor, 'photo_added', v_state,
            v_state, NULL, NULL, NULL, jsonb_build_object('sha256', p_sha));
    END IF;
    UPDATE sync_photo_refs SET linked_at = now()
    WHERE sha256 = p_sha AND request_id = p_request AND linked_at IS NULL;
END $$;
