-- Exchanges an unexpired, unused enrollment code (hashed) for a device
-- with the given token hash. NULL when the code is unknown, used or old.
CREATE OR REPLACE FUNCTION device_enroll(p_code_sha256 text, p_token_sha256 text,
        p_label text, p_version text)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_e  device_enrollments%ROWTYPE;
    v_id bigint;
    v_c  crews%ROWTYPE;
BEGIN
    UPDATE device_enrollments SET used_at = now()
    WHERE code_sha256 = p_code_sha256 AND used_at IS NULL AND expires_at > now()
    RETURNING * INTO v_e;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO devices (crew_id, token_sha256, label, agent_version)
    VALUES (v_e.crew_id, p_token_sha256, p_label, p_version)
    RETURNING id INTO v_id;
    UPDATE device_enrollments SET device_id = v_id WHERE id = v_e.id;
    SELECT * INTO v_c FROM crews WHERE id = v_e.crew_id;
    INSERT INTO audit_log (actor, action, object_type, object_id, detail)
    VALUES ('device:' || v_id, 'device.enroll', 'crew', v_c.code,
            jsonb_build_object('enrollment', v_e.id));
    RETURN jsonb_build_object('device_id', v_id, 'crew_code', v_c.code,
                              'crew_name', v_c.name);
END $$;
