-- The request life cycle in one place (issue 12, item 1).
--
-- The states and transitions are listed once, in server/lifecycle.c. After
-- every migration, patrolctl migrate (migrate.c) hands that table to
-- lifecycle_install() as JSON (lifecycle_json()); patrold refuses to start
-- while the installed table differs from its own. From then on:
--
-- * request_transition() is the only writer of requests.state: the JSON
--   API, the agent's sync, escalation, hand-overs and merges all call it.
--   It reads the action's rule from the installed table, so SQL holds no
--   list of states or transitions of its own.
-- * request_state_open(), request_state_active() and
--   request_state_closed() are IMMUTABLE (partial indexes use them). Their
--   bodies are written by lifecycle_install() from the table's sets, and
--   the indexes are rebuilt when a set changes.

CREATE TABLE lifecycle (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    doc          jsonb NOT NULL,          -- lifecycle_json() of lifecycle.c
    installed_at timestamptz NOT NULL DEFAULT now()
);

-- Until lifecycle_install() runs (right after this file, in the same
-- patrolctl migrate), no state is in any set.
CREATE FUNCTION request_state_open(p_state text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT false $$;
CREATE FUNCTION request_state_active(p_state text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT false $$;
CREATE FUNCTION request_state_closed(p_state text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT false $$;

-- The partial indexes, by set rather than by a copied list (the old lists
-- had missed handing_over).
DROP INDEX requests_open;
DROP INDEX requests_crew;
DROP INDEX requests_open_place;
CREATE INDEX requests_open ON requests (category, created_at)
    WHERE request_state_open(state);
CREATE INDEX requests_crew ON requests (crew_id)
    WHERE request_state_active(state);
CREATE INDEX requests_open_place ON requests (category, easting, northing)
    WHERE request_state_open(state);

-- Installs lifecycle.c's table (p_doc: lifecycle_json()). Returns true if
-- it changed anything. Serialised by an advisory lock: several patrolctl
-- migrate may run at once.
CREATE FUNCTION lifecycle_install(p_doc jsonb) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    v_set     text;
    v_fn      text;
    v_body    text;
    v_reindex boolean := false;
BEGIN
    PERFORM pg_advisory_xact_lock(727310);
    IF p_doc->'sets' IS NULL OR p_doc->'actions' IS NULL THEN
        RAISE EXCEPTION 'lifecycle_install: not a life-cycle table';
    END IF;
    IF (SELECT doc FROM lifecycle) IS NOT DISTINCT FROM p_doc THEN
        RETURN false;
    END IF;
    INSERT INTO lifecycle (id, doc) VALUES (true, p_doc)
    ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, installed_at = now();
    FOR v_set IN SELECT jsonb_object_keys(p_doc->'sets') LOOP
        v_fn := 'request_state_' || v_set;
        v_body := format(' SELECT $1 = ANY (%L::text[]) ',
            ARRAY(SELECT jsonb_array_elements_text(p_doc->'sets'->v_set)));
        IF v_body IS DISTINCT FROM (SELECT p.prosrc FROM pg_proc p
                WHERE p.oid = to_regprocedure(v_fn || '(text)')) THEN
            EXECUTE format('CREATE OR REPLACE FUNCTION %I(p_state text) '
                'RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
                v_fn, v_body);
            v_reindex := true;
        END IF;
    END LOOP;
    -- An index built with the old body would answer for the old sets.
    IF v_reindex THEN
        REINDEX TABLE requests;
    END IF;
    RETURN true;
END $$;

-- true if the installed table is p_doc (patrold's start-up check).
CREATE FUNCTION lifecycle_current(p_doc jsonb) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT doc = p_doc FROM lifecycle), false)
$$;

-- true if the installed life cycle allows p_action from p_state (the
-- scans for due escalations and hand-overs).
CREATE FUNCTION lifecycle_allows(p_action text, p_state text)
    RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT (doc->'actions'->p_action->'from') ? p_state
                     FROM lifecycle), false)
$$;

-- The one writer of requests.state. Applies p_action to the request if
-- the installed life cycle allows it from the current state and, when
-- p_version is given, the request is still at that version (compare and
-- set). Records the event (kind = the action). Returns
--   {"applied": true, "event_id", "version", "state", "from", "crew_id"}
-- or {"applied": false, "error": "not_found" | "conflict" |
-- "invalid_transition", "state", "message"}; never changes anything then.
-- p_crew: the new crew (assign), kept otherwise unless the action clears
-- it; p_event_crew: the crew the event is about (default: the new crew,
-- else the one that held it).
CREATE FUNCTION request_transition(p_request bigint, p_action text,
        p_actor text, p_version int DEFAULT NULL, p_crew bigint DEFAULT NULL,
        p_outcome text DEFAULT NULL, p_parent bigint DEFAULT NULL,
        p_lon double precision DEFAULT NULL,
        p_lat double precision DEFAULT NULL, p_detail jsonb DEFAULT '{}',
        p_event_crew bigint DEFAULT NULL)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_rule jsonb;
    v_r    requests%ROWTYPE;
    v_to   text;
    v_ver  int;
    v_ev   bigint;
BEGIN
    SELECT doc->'actions'->p_action INTO v_rule FROM lifecycle;
    IF v_rule IS NULL THEN
        RAISE EXCEPTION 'request_transition: unknown action %', p_action
            USING ERRCODE = '22023';
    END IF;
    SELECT * INTO v_r FROM requests WHERE id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('applied', false, 'error', 'not_found',
            'message', format('no such request: %s', p_request));
    END IF;
    IF p_version IS NOT NULL AND v_r.version <> p_version THEN
        RETURN jsonb_build_object('applied', false, 'error', 'conflict',
            'state', v_r.state, 'message',
            'the request was changed by someone else first; reload it');
    END IF;
    IF NOT (v_rule->'from') ? v_r.state THEN
        RETURN jsonb_build_object('applied', false,
            'error', 'invalid_transition', 'state', v_r.state, 'message',
            format('cannot %s a request that is %s (allowed when: %s)',
                p_action, v_r.state, (SELECT string_agg(s, ', ')
                FROM jsonb_array_elements_text(v_rule->'from') s)));
    END IF;
    v_to := v_rule->>'to';
    UPDATE requests SET state = v_to, version = version + 1,
        state_changed_at = now(),
        crew_id = CASE WHEN (v_rule->>'clears_crew')::boolean THEN NULL
                  ELSE coalesce(p_crew, crew_id) END,
        outcome = coalesce(p_outcome, outcome),
        parent_id = coalesce(p_parent, parent_id),
        escalated_at = CASE v_rule->>'escalated' WHEN 'set' THEN now()
                       WHEN 'clear' THEN NULL ELSE escalated_at END
    WHERE id = p_request
    RETURNING version INTO v_ver;
    v_ev := request_event_append(p_request, p_actor, p_action, v_r.state,
        v_to, coalesce(p_event_crew, p_crew, v_r.crew_id), p_lon, p_lat,
        coalesce(p_detail, '{}'));
    RETURN jsonb_build_object('applied', true, 'event_id', v_ev,
        'version', v_ver, 'state', v_to, 'from', v_r.state,
        'crew_id', v_r.crew_id);
END $$;

-- A crew's step from the handheld (copied from 0009, the latest): the job
-- must still be this crew's, then request_transition() decides.
-- p_rules is no longer read (the table is installed); kept so that
-- sync_apply (0090) calls this unchanged.
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
    v_t      jsonb;
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
    IF v_r.crew_id IS DISTINCT FROM p_dev.crew_id THEN
        v_why := format('the job is no longer this crew''s (it is %s)',
            v_r.state);
    ELSE
        -- The row is locked: the compare-and-set on version always wins.
        v_t := request_transition(v_r.id, v_act, p_actor, v_r.version, NULL,
            NULL, NULL, v_lon, v_lat, v_detail, p_dev.crew_id);
        IF (v_t->>'applied')::boolean THEN
            v_ev := (v_t->>'event_id')::bigint;
            v_to := v_t->>'state';
        ELSE
            v_why := v_t->>'message';
        END IF;
    END IF;
    IF v_why IS NOT NULL THEN
        v_ev := request_event_append(v_r.id, p_actor, 'sync_conflict', v_r.state,
            v_r.state, p_dev.crew_id, v_lon, v_lat,
            v_detail || jsonb_build_object('action', v_act, 'conflict', v_why));
        v_to := v_r.state;
    END IF;
    INSERT INTO sync_status_changes (client_id, device_id, request_id, action,
        device_at, lon, lat, reason, note, result, conflict, event_id)
    VALUES (v_cid, p_dev.id, v_r.id, v_act, v_at, v_lon, v_lat,
        p_item->>'reason', p_item->>'note',
        CASE WHEN v_why IS NULL THEN 'applied' ELSE 'conflict' END, v_why, v_ev);
    RETURN sync_ack(v_cid, CASE WHEN v_why IS NULL THEN 'applied'
        ELSE 'conflict' END, v_why, NULL, v_r.id, v_to);
END $$;

-- A crew's result (copied from 0009, the latest): as above, action done.
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
    v_t       jsonb;
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
    IF v_r.crew_id IS DISTINCT FROM p_dev.crew_id THEN
        v_why := format('the job is no longer this crew''s (it is %s)',
            v_r.state);
    ELSIF NOT EXISTS (SELECT 1 FROM categories c,
            jsonb_array_elements(c.outcomes) o
            WHERE c.code = v_r.category AND o->>'code' = v_outcome) THEN
        v_why := format('%s is not an outcome of %s', v_outcome, v_r.category);
    ELSE
        v_t := request_transition(v_r.id, 'done', p_actor, v_r.version, NULL,
            v_outcome, NULL, v_lon, v_lat, v_detail, p_dev.crew_id);
        IF (v_t->>'applied')::boolean THEN
            v_ev := (v_t->>'event_id')::bigint;
            v_to := v_t->>'state';
        ELSE
            v_why := v_t->>'message';
        END IF;
    END IF;
    IF v_why IS NOT NULL THEN
        -- Kept with the request and shown on the feed: the crew's work is
        -- never lost, whatever happened to the job meanwhile.
        v_ev := request_event_append(v_r.id, p_actor, 'sync_conflict', v_r.state,
            v_r.state, p_dev.crew_id, v_lon, v_lat,
            v_detail || jsonb_build_object('action', 'done', 'conflict', v_why));
        v_to := v_r.state;
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
