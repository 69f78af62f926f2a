-- The answer to one outbox item: client_id, status (applied, duplicate,
-- conflict, rejected) and, where known, a message, the field, the request
-- and its state. STABLE, as jsonb_build_object is: PostgreSQL inlines only
-- a function that claims no more than its body does, so as IMMUTABLE it was
-- planned and run as a function of its own at every call (one per item of
-- every sync).
CREATE OR REPLACE FUNCTION sync_ack(p_client text, p_status text, p_message text,
        p_field text, p_request bigint, p_state text)
    RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('client_id', p_client,
        'status', p_status, 'message', p_message, 'field', p_field,
        'request_id', p_request, 'state', p_state))
$$;
