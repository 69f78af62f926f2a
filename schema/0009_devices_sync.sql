-- Crews' handhelds (patrol-agent) and what they send. A device is enrolled
-- with a one-time code and then presents a random token, stored only as
-- its SHA-256 like the API tokens. Everything a crew records arrives in
-- client-made batches and items, each with its own id: the ids are the
-- idempotency keys that make a retried sync harmless.

CREATE TABLE devices (
    id            bigserial PRIMARY KEY,
    crew_id       bigint NOT NULL REFERENCES crews,
    token_sha256  text UNIQUE NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    label         text,
    agent_version text,
    enrolled_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_sync_at  timestamptz
);
CREATE INDEX devices_crew ON devices (crew_id);

-- One-time enrollment codes, hashed; a code is spent by the first device
-- that presents it before it expires.
CREATE TABLE device_enrollments (
    id          bigserial PRIMARY KEY,
    crew_id     bigint NOT NULL REFERENCES crews,
    code_sha256 text UNIQUE NOT NULL CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    device_id   bigint REFERENCES devices
);

-- Every applied batch and the acknowledgement it got: the same batch id
-- with the same content is answered with this ack and not applied again.
CREATE TABLE sync_batches (
    device_id      bigint NOT NULL REFERENCES devices,
    batch_id       text NOT NULL,
    content_sha256 text NOT NULL,
    items          int NOT NULL,
    ack            jsonb NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, batch_id)
);

-- The jobs each device has been sent, so that a job it no longer holds is
-- announced as a cancellation until the device's cursor shows it saw it.
CREATE TABLE device_jobs (
    device_id   bigint NOT NULL REFERENCES devices,
    request_id  bigint NOT NULL REFERENCES requests,
    sent_cursor bigint NOT NULL,
    gone_cursor bigint,
    PRIMARY KEY (device_id, request_id)
);

-- Status changes from crews, applied or kept as a conflict (never lost).
CREATE TABLE sync_status_changes (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    request_id  bigint NOT NULL REFERENCES requests,
    action      text NOT NULL,
    device_at   timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    lon         double precision,
    lat         double precision,
    reason      text,
    note        text,
    result      text NOT NULL CHECK (result IN ('applied', 'conflict')),
    conflict    text,
    event_id    bigint
);

-- Job results ("done"): outcome, notes, answers, position, times.
CREATE TABLE job_results (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    crew_id     bigint NOT NULL REFERENCES crews,
    request_id  bigint NOT NULL REFERENCES requests,
    outcome     text NOT NULL,
    note        text,
    answers     jsonb NOT NULL DEFAULT '{}',
    lon         double precision,
    lat         double precision,
    started_at  timestamptz,
    finished_at timestamptz,
    photos      text[] NOT NULL DEFAULT '{}',
    received_at timestamptz NOT NULL DEFAULT now(),
    result      text NOT NULL CHECK (result IN ('applied', 'conflict')),
    conflict    text,
    event_id    bigint
);
CREATE INDEX job_results_request ON job_results (request_id);

-- Findings on patrol: each became a request (channel 'patrol').
CREATE TABLE patrol_findings (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    request_id  bigint NOT NULL REFERENCES requests,
    device_at   timestamptz,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Patrols: the client id of the start mark names the session.
CREATE TABLE patrol_sessions (
    id             bigserial PRIMARY KEY,
    client_id      text UNIQUE NOT NULL,
    device_id      bigint NOT NULL REFERENCES devices,
    crew_id        bigint NOT NULL REFERENCES crews,
    started_at     timestamptz NOT NULL,
    stopped_at     timestamptz,
    stop_client_id text UNIQUE,
    start_lon      double precision,
    start_lat      double precision
);
CREATE INDEX patrol_sessions_crew ON patrol_sessions (crew_id, started_at);

-- GPS tracks: a piece is applied once (its client id); its fixes are rows.
CREATE TABLE track_pieces (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    session_id  bigint REFERENCES patrol_sessions,
    fixes       int NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE track_fixes (
    crew_id    bigint NOT NULL,
    device_id  bigint NOT NULL,
    session_id bigint,
    at         timestamptz NOT NULL,
    lon        double precision NOT NULL,
    lat        double precision NOT NULL
);
CREATE INDEX track_fixes_crew ON track_fixes (crew_id, at);

-- Photos a device announced (manifests) and may upload, and the requests
-- its results and findings attach them to; linked once the file is here.
CREATE TABLE sync_photos_expected (
    device_id    bigint NOT NULL REFERENCES devices,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        bigint NOT NULL,
    content_type text,
    announced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, sha256)
);

CREATE TABLE sync_photo_refs (
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    request_id bigint NOT NULL REFERENCES requests,
    actor      text NOT NULL,
    linked_at  timestamptz,
    PRIMARY KEY (sha256, request_id)
);
CREATE INDEX sync_photo_refs_pending ON sync_photo_refs (sha256) WHERE linked_at IS NULL;

-- Exchanges an unexpired, unused enrollment code (hashed) for a device
-- with the given token hash. NULL when the code is unknown, used or old.
CREATE FUNCTION device_enroll(p_code_sha256 text, p_token_sha256 text,
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

CREATE FUNCTION sync_ack(p_client text, p_status text, p_message text,
        p_field text, p_request bigint, p_state text)
    RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('client_id', p_client,
        'status', p_status, 'message', p_message, 'field', p_field,
        'request_id', p_request, 'state', p_state))
$$;

CREATE FUNCTION sync_ms(p jsonb) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT to_timestamp((p #>> '{}')::float8 / 1000)
$$;

-- Links a stored photo to a request once, with a photo_added event.
CREATE FUNCTION sync_photo_link(p_sha text, p_request bigint, p_actor text)
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

-- A photo named by a result or finding: linked now if its file is here,
-- else when the upload completes (sync_photo_stored).
CREATE FUNCTION sync_photo_refs_add(p_photos jsonb, p_request bigint, p_actor text)
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

-- An upload completed and the file is stored: record it and link it to
-- every request waiting for it. Safe to call again.
CREATE FUNCTION sync_photo_stored(p_sha text, p_bytes bigint, p_type text)
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

-- Why a crew's step on a job cannot be applied, or NULL. p_rule is the
-- life-cycle rule patrold passes from lifecycle.c: {"from": [...], "to"}.
CREATE FUNCTION sync_refusal(p_dev devices, p_r requests, p_action text,
        p_rule jsonb)
    RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p_rule IS NULL THEN format('unknown action %s', p_action)
        WHEN p_r.crew_id IS DISTINCT FROM p_dev.crew_id THEN
            format('the job is no longer this crew''s (it is %s)', p_r.state)
        WHEN NOT (p_rule->'from') ? p_r.state THEN
            format('cannot %s a request that is %s', p_action, p_r.state)
    END
$$;

CREATE FUNCTION sync_apply_status(p_dev devices, p_actor text, p_item jsonb,
        p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid    text := p_item->>'client_id';
    v_act    text := p_item->>'action';
    v_rule   jsonb := p_rules->v_act;
    v_at     timestamptz := sync_ms(p_item->'device_ms');
    v_lon    float8 := (p_item->>'lon')::float8;
    v_lat    float8 := (p_item->>'lat')::float8;
    v_r      requests%ROWTYPE;
    v_prev   sync_status_changes%ROWTYPE;
    v_why    text;
    v_to     text;
    v_ev     bigint;
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
    v_why := sync_refusal(p_dev, v_r, v_act, v_rule);
    IF v_why IS NOT NULL THEN
        v_ev := request_event_append(v_r.id, p_actor, 'sync_conflict', v_r.state,
            v_r.state, p_dev.crew_id, v_lon, v_lat,
            v_detail || jsonb_build_object('action', v_act, 'conflict', v_why));
        v_to := v_r.state;
    ELSE
        v_to := v_rule->>'to';
        -- The row is locked: this compare-and-set on version always wins.
        UPDATE requests SET state = v_to, version = version + 1,
            state_changed_at = now(),
            crew_id = CASE WHEN (v_rule->>'clear_crew')::boolean THEN NULL
                      ELSE crew_id END
        WHERE id = v_r.id AND version = v_r.version;
        v_ev := request_event_append(v_r.id, p_actor, v_act, v_r.state, v_to,
            p_dev.crew_id, v_lon, v_lat, v_detail);
    END IF;
    INSERT INTO sync_status_changes (client_id, device_id, request_id, action,
        device_at, lon, lat, reason, note, result, conflict, event_id)
    VALUES (v_cid, p_dev.id, v_r.id, v_act, v_at, v_lon, v_lat,
        p_item->>'reason', p_item->>'note',
        CASE WHEN v_why IS NULL THEN 'applied' ELSE 'conflict' END, v_why, v_ev);
    RETURN sync_ack(v_cid, CASE WHEN v_why IS NULL THEN 'applied'
        ELSE 'conflict' END, v_why, NULL, v_r.id, v_to);
END $$;

CREATE FUNCTION sync_apply_result(p_dev devices, p_actor text, p_item jsonb,
        p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid     text := p_item->>'client_id';
    v_rule    jsonb := p_rules->'done';
    v_outcome text := p_item->>'outcome';
    v_lon     float8 := (p_item->>'lon')::float8;
    v_lat     float8 := (p_item->>'lat')::float8;
    v_r       requests%ROWTYPE;
    v_prev    job_results%ROWTYPE;
    v_why     text;
    v_to      text;
    v_ev      bigint;
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
    v_why := sync_refusal(p_dev, v_r, 'done', v_rule);
    IF v_why IS NULL AND NOT EXISTS (SELECT 1 FROM categories c,
            jsonb_array_elements(c.outcomes) o
            WHERE c.code = v_r.category AND o->>'code' = v_outcome) THEN
        v_why := format('%s is not an outcome of %s', v_outcome, v_r.category);
    END IF;
    IF v_why IS NOT NULL THEN
        -- Kept with the request and shown on the feed: the crew's work is
        -- never lost, whatever happened to the job meanwhile.
        v_ev := request_event_append(v_r.id, p_actor, 'sync_conflict', v_r.state,
            v_r.state, p_dev.crew_id, v_lon, v_lat,
            v_detail || jsonb_build_object('action', 'done', 'conflict', v_why));
        v_to := v_r.state;
    ELSE
        v_to := v_rule->>'to';
        UPDATE requests SET state = v_to, version = version + 1,
            state_changed_at = now(), outcome = v_outcome
        WHERE id = v_r.id AND version = v_r.version;
        v_ev := request_event_append(v_r.id, p_actor, 'done', v_r.state, v_to,
            p_dev.crew_id, v_lon, v_lat, v_detail);
    END IF;
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

-- A finding becomes a request as a call does (patrold checked the category,
-- the answers, the place and computed the priority and ward, as intake.c
-- does for calls).
CREATE FUNCTION sync_apply_finding(p_dev devices, p_actor text, p_item jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid  text := p_item->>'client_id';
    v_prev patrol_findings%ROWTYPE;
    v_r    requests%ROWTYPE;
BEGIN
    SELECT * INTO v_prev FROM patrol_findings WHERE client_id = v_cid;
    IF FOUND THEN
        RETURN sync_ack(v_cid, 'duplicate', NULL, NULL, v_prev.request_id,
            (SELECT state FROM requests WHERE id = v_prev.request_id));
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

CREATE FUNCTION sync_apply_patrol(p_dev devices, p_item jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_cid  text := p_item->>'client_id';
    v_sess text := p_item->>'session';
    v_at   timestamptz := coalesce(sync_ms(p_item->'device_ms'), now());
BEGIN
    IF p_item->>'mark' = 'start' THEN
        INSERT INTO patrol_sessions (client_id, device_id, crew_id, started_at,
            start_lon, start_lat)
        VALUES (v_sess, p_dev.id, p_dev.crew_id, v_at,
            (p_item->>'lon')::float8, (p_item->>'lat')::float8)
        ON CONFLICT (client_id) DO NOTHING;
        RETURN sync_ack(v_cid, CASE WHEN FOUND THEN 'applied'
            ELSE 'duplicate' END, NULL, NULL, NULL, NULL);
    END IF;
    IF EXISTS (SELECT 1 FROM patrol_sessions WHERE stop_client_id = v_cid) THEN
        RETURN sync_ack(v_cid, 'duplicate', NULL, NULL, NULL, NULL);
    END IF;
    UPDATE patrol_sessions SET stopped_at = greatest(v_at, started_at),
        stop_client_id = v_cid
    WHERE client_id = v_sess AND crew_id = p_dev.crew_id
      AND stop_client_id IS NULL;
    IF NOT FOUND THEN
        RETURN sync_ack(v_cid, 'rejected', 'no such open patrol',
            'session_id', NULL, NULL);
    END IF;
    RETURN sync_ack(v_cid, 'applied', NULL, NULL, NULL, NULL);
END $$;

-- A decoded track piece: t (ms), lat, lon as array literals of equal
-- length. The crew's position follows its newest fix in the service area.
CREATE FUNCTION sync_apply_track(p_dev devices, p_item jsonb)
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

-- What the device has not seen: its crew's open jobs that are new to it or
-- changed since its cursor (with the callers' names and phones, audited),
-- and the jobs it was sent but no longer holds. p_cursor is the device's,
-- p_now the new cursor (read before this, so nothing is missed). Most
-- syncs change nothing: each step runs only when it has something to do.
CREATE FUNCTION sync_outbound(p_dev devices, p_cursor bigint, p_now bigint)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_fresh  bigint[];
    v_assign jsonb := '[]';
    v_gone   jsonb := '[]';
BEGIN
    v_fresh := ARRAY(SELECT r.id FROM requests r
        WHERE r.crew_id = p_dev.crew_id
          AND r.state IN ('assigned', 'accepted', 'en_route', 'on_site')
          AND (NOT EXISTS (SELECT 1 FROM device_jobs j
                           WHERE j.device_id = p_dev.id AND j.request_id = r.id
                             AND j.gone_cursor IS NULL)
               OR EXISTS (SELECT 1 FROM request_events e
                          WHERE e.request_id = r.id AND e.id > p_cursor)));
    IF cardinality(v_fresh) > 0 THEN
        SELECT jsonb_agg(jsonb_build_object('request_id', r.id,
            'category', r.category, 'category_name', c.name_ja,
            'state', r.state, 'lat', r.lat, 'lon', r.lon,
            'address', r.address, 'description', r.description,
            'priority', r.priority, 'due_make_safe', r.due_make_safe,
            'answers', r.answers, 'outcomes', c.outcomes,
            'callers', (SELECT coalesce(jsonb_agg(jsonb_build_object('name',
                k.name, 'phone', k.phone) ORDER BY k.id), '[]') FROM callers k
                WHERE k.request_id = r.id)) ORDER BY r.id)
        INTO v_assign
        FROM requests r JOIN categories c ON c.code = r.category
        WHERE r.id = ANY(v_fresh);
        INSERT INTO audit_log (actor, action, object_type, object_id)
        SELECT 'device:' || p_dev.id, 'callers.read', 'request', f.id
        FROM unnest(v_fresh) AS f(id)
        WHERE EXISTS (SELECT 1 FROM callers k WHERE k.request_id = f.id);
        INSERT INTO device_jobs (device_id, request_id, sent_cursor)
        SELECT p_dev.id, f.id, p_now FROM unnest(v_fresh) AS f(id)
        ON CONFLICT (device_id, request_id)
        DO UPDATE SET sent_cursor = p_now, gone_cursor = NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM device_jobs WHERE device_id = p_dev.id) THEN
        RETURN jsonb_build_object('assignments', v_assign,
                                  'cancellations', v_gone);
    END IF;
    -- Gone: sent before, no longer held open by the crew.
    UPDATE device_jobs j SET gone_cursor = p_now
    WHERE j.device_id = p_dev.id AND j.gone_cursor IS NULL
      AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = j.request_id
          AND r.crew_id = p_dev.crew_id
          AND r.state IN ('assigned', 'accepted', 'en_route', 'on_site'));
    -- Seen once the device's cursor has passed the one it was sent with.
    DELETE FROM device_jobs
    WHERE device_id = p_dev.id AND gone_cursor < p_cursor;
    SELECT coalesce(jsonb_agg(jsonb_build_object('request_id', r.id,
        'state', r.state, 'reason', CASE WHEN r.crew_id IS DISTINCT FROM
        p_dev.crew_id AND r.state IN ('new', 'triaged', 'assigned', 'accepted',
        'en_route', 'on_site') THEN 'reassigned' END) ORDER BY r.id), '[]')
    INTO v_gone
    FROM device_jobs j JOIN requests r ON r.id = j.request_id
    WHERE j.device_id = p_dev.id AND j.gone_cursor IS NOT NULL;
    RETURN jsonb_build_object('assignments', v_assign, 'cancellations', v_gone);
END $$;

-- One sync, in one transaction: the batch (once per batch id), then what
-- the device has not seen. The device is p_device, or when that is NULL
-- the one holding the token hash p_token (saving patrold a round trip
-- when it needs nothing else first). p_batch is built by patrold (sync.c)
-- from the decoded request: {batch_id, sha256, cursor, version, items:
-- [{kind, ...}] in the order the crew recorded them, photos: [{sha256,
-- bytes, type}]}; an item patrold refused has kind "refused" and its ack.
-- Returns {unauthorized} | {batch_conflict} | {device_id, crew, acks,
-- replayed, cursor, assignments, cancellations, photos_wanted}.
CREATE FUNCTION sync_apply(p_token text, p_device bigint, p_batch jsonb,
        p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_dev      devices%ROWTYPE;
    v_crew     text;
    v_actor    text;
    v_n        int := jsonb_array_length(coalesce(p_batch->'items', '[]'));
    v_prev     sync_batches%ROWTYPE;
    v_acks     jsonb := '[]';
    v_item     jsonb;
    v_replayed boolean := false;
    v_cursor   bigint := coalesce((p_batch->>'cursor')::bigint, 0);
    v_now      bigint;
    v_wanted   jsonb := '[]';
BEGIN
    -- Serialises the device's syncs and waits for a revocation in flight.
    SELECT d.* INTO v_dev FROM devices d
    WHERE d.id = coalesce(p_device, (SELECT x.id FROM devices x
                                     WHERE x.token_sha256 = p_token))
      AND d.revoked_at IS NULL FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('unauthorized', true);
    END IF;
    SELECT code INTO v_crew FROM crews WHERE id = v_dev.crew_id;
    v_actor := 'crew:' || v_crew;
    IF v_n > 0 THEN
        SELECT * INTO v_prev FROM sync_batches
        WHERE device_id = v_dev.id AND batch_id = p_batch->>'batch_id';
        IF FOUND THEN
            IF v_prev.content_sha256 <> p_batch->>'sha256' THEN
                RETURN jsonb_build_object('batch_conflict', true,
                                          'device_id', v_dev.id);
            END IF;
            v_acks := v_prev.ack;
            v_replayed := true;
        ELSE
            FOR v_item IN SELECT value FROM jsonb_array_elements(p_batch->'items')
            LOOP
                v_acks := v_acks || CASE v_item->>'kind'
                    WHEN 'status' THEN sync_apply_status(v_dev, v_actor, v_item, p_rules)
                    WHEN 'result' THEN sync_apply_result(v_dev, v_actor, v_item, p_rules)
                    WHEN 'finding' THEN sync_apply_finding(v_dev, v_actor, v_item)
                    WHEN 'patrol' THEN sync_apply_patrol(v_dev, v_item)
                    WHEN 'track' THEN sync_apply_track(v_dev, v_item)
                    ELSE v_item->'ack' -- refused by patrold's checks
                END;
            END LOOP;
            INSERT INTO sync_batches (device_id, batch_id, content_sha256, items, ack)
            VALUES (v_dev.id, p_batch->>'batch_id', p_batch->>'sha256', v_n, v_acks);
        END IF;
    END IF;
    IF jsonb_array_length(coalesce(p_batch->'photos', '[]')) > 0 THEN
        INSERT INTO sync_photos_expected (device_id, sha256, bytes, content_type)
        SELECT v_dev.id, p->>'sha256', (p->>'bytes')::bigint, p->>'type'
        FROM jsonb_array_elements(p_batch->'photos') p
        ON CONFLICT (device_id, sha256) DO NOTHING;
        SELECT coalesce(jsonb_agg(p->>'sha256'), '[]') INTO v_wanted
        FROM jsonb_array_elements(p_batch->'photos') p
        WHERE NOT EXISTS (SELECT 1 FROM photos f WHERE f.sha256 = p->>'sha256');
    END IF;
    -- A minute's precision is enough for "last seen": fewer row versions.
    IF v_dev.last_sync_at IS NULL OR v_dev.last_sync_at < now() - interval '1 minute'
       OR v_dev.agent_version IS DISTINCT FROM
          coalesce(p_batch->>'version', v_dev.agent_version) THEN
        UPDATE devices SET last_sync_at = now(),
            agent_version = coalesce(p_batch->>'version', agent_version)
        WHERE id = v_dev.id;
    END IF;
    -- Event ids commit in order (0004), so every id up to this is visible.
    SELECT coalesce(max(id), 0) INTO v_now FROM request_events;
    RETURN sync_outbound(v_dev, v_cursor, v_now) || jsonb_build_object(
        'device_id', v_dev.id, 'crew', v_crew, 'acks', v_acks,
        'replayed', v_replayed, 'cursor', v_now, 'photos_wanted', v_wanted);
END $$;
