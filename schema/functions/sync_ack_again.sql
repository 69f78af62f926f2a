-- The answer to an item whose client_id was applied before (the handheld
-- sends it again when the first answer did not reach it): duplicate, with
-- the conflict it met then and its request's state now. For findings
-- (sync_apply_finding) and the crew's steps and results (sync_job_open).
CREATE OR REPLACE FUNCTION sync_ack_again(p_client text, p_conflict text,
        p_request bigint)
    RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT sync_ack(p_client, 'duplicate', p_conflict, NULL, p_request,
        (SELECT state FROM requests WHERE id = p_request))
$$;
