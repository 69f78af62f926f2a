-- Where a crew's status or result item starts (sync_apply_status,
-- sync_apply_result), before its step: p_prev is the row its client_id
-- left in the caller's table, as jsonb (NULL when the item is new). ack
-- is the item's answer when there is no step to take: the earlier answer
-- again (sync_ack_again), or rejected when the request does not exist.
-- Else ack is NULL and r the request, locked FOR UPDATE for the step.
CREATE OR REPLACE FUNCTION sync_job_open(p_cid text, p_item jsonb,
        p_prev jsonb, OUT r requests, OUT ack jsonb)
    LANGUAGE plpgsql AS $$
BEGIN
    IF p_prev IS NOT NULL THEN
        ack := sync_ack_again(p_cid, p_prev->>'conflict',
            (p_prev->>'request_id')::bigint);
        RETURN;
    END IF;
    SELECT * INTO r FROM requests
    WHERE id = (p_item->>'request_id')::bigint FOR UPDATE;
    IF NOT FOUND THEN
        ack := sync_ack(p_cid, 'rejected', 'no such request', 'request_id',
            (p_item->>'request_id')::bigint, NULL);
    END IF;
END $$;
