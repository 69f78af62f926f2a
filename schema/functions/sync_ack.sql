-- The answer to one outbox item: client_id, status (applied, duplicate,
-- conflict, rejected) and, where known, a message, the field, the request
-- and its state.
CREATE OR REPLACE FUNCTION sync_ack(p_client text, p_status text, p_message text,
        p_field text, p_request bigint, p_state text)
    RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('client_id', p_client,
        'status', p_status, 'message', p_message, 'field', p_field,
        'request_id', p_request, 'state', p_state))
$$;
