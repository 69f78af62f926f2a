-- Installs lifecycle.c's table (p_doc: lifecycle_json()). Returns true if
-- it changed anything. Serialised by an advisory lock: several patrolctl
-- migrate may run at once.
CREATE OR REPLACE FUNCTION lifecycle_install(p_doc jsonb) RETURNS boolean
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
